{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ incremental_delete_by_date('trading_date') }}",
    )
}}
-- Incremental by trading_date (macros/incremental/incremental_by_date.sql): every trading day
-- of the data, so a new day only appends; the indicator window is applied downstream.
with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

trading_days as (

    select * from {{ ref('int_trading_days') }}

),

daily_balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

new_trading_days as (

    select * from trading_days
    where {{ incremental_batch_by_date('trading_date') }}

),

new_daily_balances as (

    select * from daily_balances
    where {{ incremental_batch_by_date('balance_date') }}

),

open_customer_days as (

    select
        customers.customer_id,
        new_trading_days.trading_date
    from customers
    inner join new_trading_days
        on
            customers.open_date <= new_trading_days.trading_date
            and (
                customers.close_date is null
                or customers.close_date >= new_trading_days.trading_date
            )

),

-- A missing balance row is a day with zero assets; balance rows on days the account is not
-- open (the contract has none) are not counted.
with_balances as (

    select
        open_customer_days.customer_id,
        open_customer_days.trading_date,
        new_daily_balances.customer_id is not null as has_balance_row,
        coalesce(new_daily_balances.cash_balance, 0) as cash_balance,
        coalesce(new_daily_balances.market_value, 0) as market_value
    from open_customer_days
    left join new_daily_balances
        on
            open_customer_days.customer_id = new_daily_balances.customer_id
            and open_customer_days.trading_date = new_daily_balances.balance_date

),

final as (

    select
        with_balances.customer_id,
        with_balances.trading_date,
        with_balances.has_balance_row,
        cast(with_balances.cash_balance as decimal(20, 2)) as cash_balance,
        cast(with_balances.market_value as decimal(20, 2)) as market_value,
        cast(with_balances.cash_balance + with_balances.market_value as decimal(38, 2))
            as total_assets,
        export_last_day.last_balance_date as loaded_through_date
    from with_balances
    cross join export_last_day

)

select * from final
