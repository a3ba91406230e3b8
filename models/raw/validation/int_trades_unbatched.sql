-- The trades rows no microbatch of int_trades_validated holds: without a date (null, or a
-- value that is no date), or dated after the export's last day. They are read and judged on
-- every build, in the validated model's shape; a trade dated after the export's last day is
-- quarantined as after_data_end until a build loads its day (then it is in
-- int_trades_validated and no longer here).
with

trades as (

    select * from {{ ref('stg_broker__trades') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

-- the files as they are now, with their fingerprints (int_raw_files)
raw_files as (

    select * from {{ ref('int_raw_files') }}
    where table_name = 'trades'

),

unbatched as (

    select trades.* from trades
    cross join export_last_day
    where
        trades.trade_date is null
        or trades.trade_date > export_last_day.last_balance_date

),

-- copies collapsed, the row's own rules, lineage (macros/raw_data/row_rules.sql)
final as (

    {{ validated_rows('unbatched', 'trades', 'export_last_day', 'raw_files') }}

)

select * from final
