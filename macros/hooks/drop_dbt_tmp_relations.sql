{#
    Runs after every build (on-run-end). dbt-duckdb builds an incremental Python model into a
    `<model>__dbt_tmp<timestamp>` table, appends it and leaves it behind, two per run (the
    segment fits), and --full-refresh does not remove them: drop every such relation of the
    warehouse (the target schema, or the adapter's temp schema).
#}
{% macro drop_dbt_tmp_relations() %}
    {{ return(adapter.dispatch('drop_dbt_tmp_relations', 'broker_segments')()) }}
{% endmacro %}

{% macro default__drop_dbt_tmp_relations() %}
    {% if execute %}
        {% set leftovers_sql %}
            select table_schema, table_name, table_type
            from information_schema.tables
            where table_catalog = current_database()
                and table_name like '%\_\_dbt\_tmp%' escape '\'
        {% endset %}
        {% for row in run_query(leftovers_sql).rows %}
            {% set kind = 'view' if row[2] == 'VIEW' else 'table' %}
            {% do run_query('drop ' ~ kind ~ ' if exists ' ~ adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1])) %}
        {% endfor %}
    {% endif %}
{% endmacro %}

{# Spark runs no dbt Python model (the fits are a command there): nothing is left behind. #}
{% macro spark__drop_dbt_tmp_relations() %}
{% endmacro %}
