-- The Parquet files of the per-day raw tables as the export holds them now, with a fingerprint
-- of each (size and modification time: macros/raw_data/raw_file_listing.sql). The validated
-- models keep, on every row, the fingerprint of the file it was loaded from;
-- raw_data_day_reconciliation lists the days whose file has changed or gone since.
-- depends_on: {{ source('broker', 'daily_balances') }}
-- depends_on: {{ source('broker', 'trades') }}
with

daily_balances_files as (

    {{ raw_file_listing('daily_balances') }}

),

trades_files as (

    {{ raw_file_listing('trades') }}

),

final as (

    select * from daily_balances_files
    union all
    select * from trades_files

)

select * from final
