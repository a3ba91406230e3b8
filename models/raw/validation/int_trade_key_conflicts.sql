-- The trade_ids with more than one version among the trades rows read (int_trades_validated
-- and int_trades_unbatched, exact copies already collapsed): one row per trade_id. A batch
-- quarantines the versions it holds itself (duplicate_key); versions dated on different days
-- can fall in two batches or two builds, so the readers (int_trades_cleaned,
-- quarantined_rows) quarantine every version of these keys where the rows are read, with no
-- update of rows already loaded, the same way on both engines. The keys to count are the few
-- a batch found with another version (int_trade_key_candidates) and the undated trades'
-- (int_trades_unbatched is read again by every build): their versions are counted now, so a
-- key a backfill left with one version is no conflict.
with

candidate_keys as (

    select trade_id from {{ ref('int_trade_key_candidates') }}
    union
    select trade_id from {{ ref('int_trades_unbatched') }}
    where trade_id is not null and trim(trade_id) <> ''

),

final as (

    {{ repeated_trade_keys('candidate_keys') }}

)

select * from final
