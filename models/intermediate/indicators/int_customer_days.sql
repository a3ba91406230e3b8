with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

daily_balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

open_customer_days as (

    select
        customers.customer_id,
        trading_calendar.trading_date,
        trading_calendar.is_last_trading_day
    from customers
    inner join trading_calendar
        on
            customers.open_date <= trading_calendar.trading_date
            and (
                customers.close_date is null
                or customers.close_date >= trading_calendar.trading_date
            )

),

-- A missing balance row is a day with zero assets; balance rows on days the account is not
-- open (the contract has none) are not counted.
with_balances as (

    select
        open_customer_days.customer_id,
        open_customer_days.trading_date,
        open_customer_days.is_last_trading_day,
        daily_balances.customer_id is not null as has_balance_row,
        coalesce(daily_balances.cash_balance, 0) as cash_balance,
        coalesce(daily_balances.market_value, 0) as market_value
    from open_customer_days
    left join daily_balances
        on
            open_customer_days.customer_id = daily_balances.customer_id
            and open_customer_days.trading_date = daily_balances.balance_date

),

final as (

    select
        customer_id,
        trading_date,
        is_last_trading_day,
        has_balance_row,
        cast(cash_balance as decimal(20, 2)) as cash_balance,
        cast(market_value as decimal(20, 2)) as market_value,
        cast(cash_balance + market_value as decimal(38, 2)) as total_assets
    from with_balances

)

select * from final
