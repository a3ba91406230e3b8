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
-- dbt microbatch by trade_date, with int_trades_validated (macros/incremental/microbatch.sql):
-- per batch, the trade_ids of its rows that have another version among every trades row read
-- so far (int_trades_validated, int_trades_unbatched). Of a trade_id's two versions, the one
-- loaded later finds the other, so every key dated twice is listed by some batch; a daily
-- build probes every key against the new day's keys (a scan) instead of grouping every key.
-- A later backfill can leave a listed key with one version: int_trade_key_conflicts counts
-- the versions of the listed keys again and keeps those with more than one.
with

-- the batch's rows (macros/incremental/microbatch.sql)
batch as (

    {{ batch_rows('int_trades_validated', 'trade_date') }}

),

batch_keys as (

    select distinct
        trade_date,
        trade_id
    from batch
    where trade_id is not null and trim(trade_id) <> ''

),

-- the batch's keys with another version, in any batch or build (the whole table)
repeated_keys as (

    {{ repeated_trade_keys('batch_keys') }}

),

final as (

    select
        trade_date,
        trade_id
    from batch_keys
    where trade_id in (select repeated_keys.trade_id from repeated_keys)

)

select * from final
