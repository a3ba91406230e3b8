{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='trade_date',
        batch_size=var('per_day_batch_size'),
        begin='2000-01-01',
        partition_by=['trade_date'],
    )
}}
-- dbt microbatch by trade_date, as int_daily_balances_validated
-- (macros/incremental/microbatch.sql): a run validates the days it is given, a batch (var
-- per_day_batch_size) at a time; the first batch of a first build or --full-refresh also
-- loads every older trade (trade history starts long before the balances). Only the rules a
-- row decides are applied here. Those that change with other tables are judged where the
-- rows are read (int_trades_cleaned, quarantined_rows): the customer rules, a date before the
-- customer's open date, a trade_id with versions on other days (int_trade_key_conflicts; the
-- trade_id holds no date, so its versions can fall in two batches or two builds). Rows
-- without a date, or dated after the export's last day, are int_trades_unbatched: read again
-- by every build until their day is loaded.
with

-- the batch's rows (macros/incremental/microbatch.sql)
batch_read as (

    {{ batch_rows('stg_broker__trades', 'trade_date') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

-- the files as they are now, with their fingerprints (int_raw_files)
raw_files as (

    select * from {{ ref('int_raw_files') }}
    where table_name = 'trades'

),

batch as (

    select batch_read.* from batch_read
    cross join export_last_day
    where batch_read.trade_date <= export_last_day.last_balance_date

),

-- copies collapsed, the row's own rules, lineage (macros/raw_data/row_rules.sql)
final as (

    {{ validated_rows('batch', 'trades', 'export_last_day', 'raw_files') }}

)

select * from final
