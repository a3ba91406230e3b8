-- The trade_ids with more than one version among the trades rows read (int_trades_validated
-- and int_trades_unbatched, exact copies already collapsed): one row per trade_id. A batch
-- quarantines the versions it holds itself (duplicate_key); versions dated on different days
-- can fall in two batches or two builds, so the readers (int_trades_cleaned,
-- quarantined_rows) quarantine every version of these keys where the rows are read, with no
-- update of rows already loaded, the same way on both engines. A pass over one hash per row
-- finds the few candidate keys; they are then compared exactly. (Each model is read in its
-- own subquery: DuckDB materializes an import CTE read twice, a copy of every trade_id.)
with

key_hashes as (

    select {{ hash_of(['trade_id']) }} as key_hash
    from {{ ref('int_trades_validated') }}
    where trade_id is not null and trim(trade_id) <> ''
    union all
    select {{ hash_of(['trade_id']) }} as key_hash
    from {{ ref('int_trades_unbatched') }}
    where trade_id is not null and trim(trade_id) <> ''

),

repeated_hashes as (

    select key_hash
    from key_hashes
    group by key_hash
    having count(*) > 1

),

candidates as (

    select trade_id
    from {{ ref('int_trades_validated') }}
    where {{ hash_of(['trade_id']) }} in (select repeated_hashes.key_hash from repeated_hashes)
    union all
    select trade_id
    from {{ ref('int_trades_unbatched') }}
    where {{ hash_of(['trade_id']) }} in (select repeated_hashes.key_hash from repeated_hashes)

),

final as (

    select
        trade_id,
        count(*) as key_versions
    from candidates
    where trade_id is not null and trim(trade_id) <> ''
    group by trade_id
    having count(*) > 1

)

select * from final
