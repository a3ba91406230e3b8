{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='event_date',
        batch_size=var('per_day_batch_size'),
        begin='2000-01-01',
        partition_by=['event_date'],
    )
}}
-- dbt microbatch by event_date, with the validated models it counts (macros/incremental/
-- microbatch.sql): per per-day table, day and file loaded from, the rows loaded and the
-- file's fingerprint when they were. raw_data_day_reconciliation compares these few rows per
-- day with the export's files instead of grouping every loaded row on every build.
with

-- the batch's rows (macros/incremental/microbatch.sql)
daily_balances as (

    {{ batch_rows('int_daily_balances_validated', 'balance_date') }}

),

trades as (

    {{ batch_rows('int_trades_validated', 'trade_date') }}

),

{% for table_name, date_column in [('daily_balances', 'balance_date'), ('trades', 'trade_date')] %}
    {{ table_name }}_loads as (

        select
            '{{ table_name }}' as table_name,
            {{ date_column }} as event_date,
            source_file_id,
            source_file,
            source_file_fingerprint,
            cast(sum(row_copies) as bigint) as rows_loaded
        from {{ table_name }}
        group by {{ date_column }}, source_file_id, source_file, source_file_fingerprint

    ),

{% endfor %}
final as (

    select * from daily_balances_loads
    union all
    select * from trades_loads

)

select * from final
