-- A view: the filter of a table that is already built costs less than a copy of it. The rows
-- that keep the rules of their own (int_daily_balances_validated), of a kept customer (not
-- in int_customers_excluded_at_read), on a trading day (int_balance_days): the verdicts that
-- depend on other tables are taken here, where the rows are read, and quarantined_rows gives
-- the others their reason (unknown_customer, customer_quarantined, non_trading_day).
-- A customer-day whose row was quarantined for its values reads the customer's last kept
-- balance (int_daily_balances_stand_ins, carried_forward_from_date), not zero.
{{ config(materialized='view', event_time='balance_date') }}

with

validated as (

    select * from {{ ref('int_daily_balances_validated') }}

),

trading_days as (

    select * from {{ ref('int_balance_days') }}
    where is_trading_day

),

-- the customers of these rows the customers' export does not keep (few)
excluded_customers as (

    select customer_id from {{ ref('int_customers_excluded_at_read') }}
    where table_name = 'daily_balances'

),

stand_ins as (

    select * from {{ ref('int_daily_balances_stand_ins') }}

),

kept as (

    select
        customer_id,
        balance_date,
        cash_balance,
        market_value,
        loaded_through_date,
        cast(null as date) as carried_forward_from_date
    from validated
    where
        quarantine_reason is null
        and balance_date in (select trading_days.balance_date from trading_days)
        and customer_id not in (select excluded_customers.customer_id from excluded_customers)

),

final as (

    -- int_daily_balances_stand_ins has kept's columns, in kept's order
    select * from kept
    union all
    select * from stand_ins

)

select * from final
