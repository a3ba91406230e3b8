{#
    `dbt source freshness` on the raw export, against the day the run is for rather than the
    wall clock: demo data and a rerun of a past export are dated in the past, and the project's
    run date is the var as_of_date (null = the export's last day).

    raw_freshness_query is a table's loaded_at_query (_broker__sources.yml). It returns two
    columns: the table's last day (max_loaded_at) and the run date (snapshotted_at), which the
    override of dbt's collect_freshness_custom_sql below takes as they are; dbt's age is their
    difference, held against the thresholds in days (vars freshness_warn_after_days and
    freshness_error_after_days).
#}
{% macro raw_freshness_query(relation, date_column) -%}
    select
        cast(max({{ raw_to_date(date_column) }}) as timestamp) as max_loaded_at,
        cast({{ freshness_run_date() }} as timestamp) as snapshotted_at
    from {{ relation }}
{%- endmacro %}

{#
    The run date freshness is measured at: var freshness_run_date, else var as_of_date, else the
    export's last day (the last balance date, as int_export_last_day). With both vars null the
    daily balances are fresh by definition and every other table is held against them: trades or
    transfers that stop days before the balances are late.
#}
{% macro freshness_run_date() -%}
    {%- set run_date = var('freshness_run_date') or var('as_of_date') -%}
    {%- if run_date is not none -%}
        cast({{ sql_string(run_date) }} as date)
    {%- else -%}
        {%- set balances = graph.sources.values()
            | selectattr('source_name', 'equalto', 'broker')
            | selectattr('name', 'equalto', 'daily_balances') | first -%}
        (select max({{ raw_to_date('balance_date') }}) from {{ balances.relation_name }})
    {%- endif -%}
{%- endmacro %}

{#
    dbt's collect_freshness_custom_sql for DuckDB, reading both timestamps from the
    loaded_at_query (raw_freshness_query) instead of taking now() as the snapshot time. Every
    loaded_at_query of the project is a raw_freshness_query.
#}
{% macro duckdb__collect_freshness_custom_sql(source, loaded_at_query) %}
    {% call statement('collect_freshness_custom_sql', fetch_result=True, auto_begin=False) -%}
        with source_query as (
            {{ loaded_at_query }}
        )

        select max_loaded_at, snapshotted_at from source_query
    {%- endcall %}
    {{ return(load_result('collect_freshness_custom_sql')) }}
{% endmacro %}

{# The same on Spark: the loaded_at_query gives both timestamps there too. #}
{% macro spark__collect_freshness_custom_sql(source, loaded_at_query) %}
    {{ return(duckdb__collect_freshness_custom_sql(source, loaded_at_query)) }}
{% endmacro %}
