-- A view: the filter of a table that is already built costs less than a copy of it. A kept
-- row on a day that is no trading day (int_balance_days) is left out here and quarantined
-- as non_trading_day by quarantined_rows: a verdict on the day, taken where the rows are read.
-- A customer-day whose row was quarantined for its values reads the customer's last kept
-- balance (int_daily_balances_stand_ins, carried_forward_from_date), not zero.
{{ config(materialized='view') }}

with

validated as (

    select * from {{ ref('int_daily_balances_validated') }}

),

trading_days as (

    select * from {{ ref('int_balance_days') }}
    where is_trading_day

),

stand_ins as (

    select * from {{ ref('int_daily_balances_stand_ins') }}

),

kept as (

    select
        {{ star_except([
            'quarantine_reason',
            'invalid_value',
            'row_copies',
            'key_versions',
            'source_file',
            'source_file_id',
            'source_row_number',
            'loaded_by_invocation_id'
        ]) }},
        cast(null as date) as carried_forward_from_date
    from validated
    where
        quarantine_reason is null
        and balance_date in (select trading_days.balance_date from trading_days)

),

final as (

    select * from kept
    union all
    select
        customer_id,
        balance_date,
        cash_balance,
        market_value,
        loaded_through_date,
        carried_forward_from_date
    from stand_ins

)

select * from final
