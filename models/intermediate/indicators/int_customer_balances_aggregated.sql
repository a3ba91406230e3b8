with

customer_days as (

    select * from {{ ref('int_customer_days') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

-- The customer-days of the indicator window W.
window_days as (

    select
        customer_days.*,
        trading_calendar.is_last_trading_day
    from customer_days
    inner join trading_calendar
        on customer_days.trading_date = trading_calendar.trading_date

),

window_totals as (

    select
        customer_id,
        count(*) as open_trading_days,
        sum(cash_balance) as cash_balance_sum,
        sum(market_value) as market_value_sum,
        min(trading_date) as first_open_trading_date,
        max(trading_date) as last_open_trading_date,
        -- Only an account open on the last trading day has a row that day; otherwise 0.
        sum(case when is_last_trading_day then total_assets else 0 end) as end_assets
    from window_days
    group by customer_id

),

first_open_day as (

    select
        window_days.customer_id,
        window_days.total_assets as first_open_day_assets
    from window_days
    inner join window_totals
        on
            window_days.customer_id = window_totals.customer_id
            and window_days.trading_date = window_totals.first_open_trading_date

),

final as (

    select
        window_totals.customer_id,
        window_totals.open_trading_days,
        cast(window_totals.cash_balance_sum as decimal(38, 2)) as cash_balance_sum,
        cast(window_totals.market_value_sum as decimal(38, 2)) as market_value_sum,
        window_totals.first_open_trading_date,
        window_totals.last_open_trading_date,
        cast(first_open_day.first_open_day_assets as decimal(38, 2)) as first_open_day_assets,
        cast(window_totals.end_assets as decimal(38, 2)) as end_assets
    from window_totals
    inner join first_open_day
        on window_totals.customer_id = first_open_day.customer_id

)

select * from final
