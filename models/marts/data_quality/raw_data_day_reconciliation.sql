{{ config(post_hook="{{ warn_unloaded_days() }}") }}
-- The days of the per-day raw tables whose rows are not all loaded: per day, the rows the
-- export's files hold against the rows the microbatch model holds for it (copies included).
-- Empty when every day is loaded. A day listed here is a late file for a day already loaded,
-- or a day no run's --event-time-start/--event-time-end covered (a plain dbt build takes its
-- batches from the wall clock); the build warns with the days and the command that loads them,
-- and the test raw_days_loaded fails (raw_data_reconciliation fails with it).
{#- per table: its day (raw_contract_columns; the microbatch model is int_<table>_validated) -#}
{% set per_day_tables = {} %}
{% for table_name in ['daily_balances', 'trades'] %}
    {% do per_day_tables.update({table_name: raw_contract_columns(table_name).day}) %}
{% endfor %}
with

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

{% for table_name, date_column in per_day_tables.items() %}
    -- rows dated after the export's last day are no day's (int_trades_unbatched holds them)
    {{ table_name }}_read as (

        select
            rows_read.{{ date_column }} as event_date,
            count(*) as rows_read
        from {{ ref('stg_broker__' ~ table_name) }} as rows_read
        cross join export_last_day
        where rows_read.{{ date_column }} <= export_last_day.last_balance_date
        group by rows_read.{{ date_column }}

    ),

    {{ table_name }}_loaded as (

        select
            {{ date_column }} as event_date,
            sum(row_copies) as rows_loaded
        from {{ ref('int_' ~ table_name ~ '_validated') }}
        group by {{ date_column }}

    ),

{% endfor %}
final as (

    {% for table_name in per_day_tables %}
        select
            '{{ table_name }}' as table_name,
            coalesce({{ table_name }}_read.event_date, {{ table_name }}_loaded.event_date)
                as event_date,
            cast(coalesce({{ table_name }}_read.rows_read, 0) as bigint) as rows_read,
            cast(coalesce({{ table_name }}_loaded.rows_loaded, 0) as bigint) as rows_loaded
        from {{ table_name }}_read
        full outer join {{ table_name }}_loaded
            on {{ table_name }}_read.event_date = {{ table_name }}_loaded.event_date
        where {{ table_name }}_read.rows_read is distinct from {{ table_name }}_loaded.rows_loaded
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
