-- The balance rows without a date (null, or a value that is no date): no microbatch of
-- int_daily_balances_validated holds them, so they are read and judged here on every build,
-- in the validated model's shape. Every one is quarantined (the date is part of the key).
with

daily_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

-- the files as they are now, with their fingerprints (int_raw_files)
raw_files as (

    select * from {{ ref('int_raw_files') }}
    where table_name = 'daily_balances'

),

undated as (

    select * from daily_balances
    where balance_date is null

),

-- copies collapsed, the row's own rules, lineage (macros/raw_data/row_rules.sql)
final as (

    {{ validated_rows('undated', 'daily_balances', 'export_last_day', 'raw_files') }}

)

select * from final
