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
{#- per table: its day (raw_contract_columns; the microbatch model is int_<table>_validated) -#}
{% set per_day_tables = ['daily_balances', 'trades'] %}
with

{% for table_name in per_day_tables %}
    {%- set date_column = raw_contract_columns(table_name).day %}
    -- the batch's rows (macros/incremental/microbatch.sql)
    {{ table_name }} as (

        {{ batch_rows('int_' ~ table_name ~ '_validated', date_column) }}

    ),

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

    {% for table_name in per_day_tables %}
        select * from {{ table_name }}_loads
        {{ "union all" if not loop.last }}
    {% endfor %}

)

select * from final
