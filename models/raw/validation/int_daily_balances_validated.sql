{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='balance_date',
        batch_size=var('per_day_batch_size'),
        begin='2000-01-01',
        partition_by=['balance_date'],
    )
}}
-- dbt microbatch by balance_date (macros/incremental/microbatch.sql): a run validates the
-- days it is given (a daily run the new ones), a batch (var per_day_batch_size: a month) at a
-- time. Only the rules a row and its day decide are applied here; the key holds the date, so
-- a key's versions are always in one batch. Whether the row's customer is kept, and whether
-- its day is a trading day, change with other tables: they are judged where the rows are read
-- (int_daily_balances_cleaned, quarantined_rows), so a customer who arrives late or is mended
-- heals on the next build. The rows without a date are int_daily_balances_undated.
with

-- the batch's rows (macros/incremental/microbatch.sql)
batch as (

    {{ batch_rows('stg_broker__daily_balances', 'balance_date') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

-- the files as they are now, with their fingerprints (int_raw_files)
raw_files as (

    select * from {{ ref('int_raw_files') }}
    where table_name = 'daily_balances'

),

-- copies collapsed, the row's own rules, lineage (macros/raw_data/row_rules.sql)
final as (

    {{ validated_rows('batch', 'daily_balances', 'export_last_day', 'raw_files') }}

)

select * from final
