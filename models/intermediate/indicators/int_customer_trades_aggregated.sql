with

trade_days as (

    select * from {{ ref('int_customer_trade_days') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

-- Trades after as_of_date are ignored: the indicators describe the customer on as_of_date.
up_to_as_of_date as (

    select
        trade_days.*,
        trade_days.trade_date >= indicator_window.window_start_date as is_in_window
    from trade_days
    inner join indicator_window
        on trade_days.trade_date <= indicator_window.as_of_date

),

in_window as (

    select
        customer_id,
        trade_date,
        product_type,
        trade_count,
        trade_amount,
        commission,
        {{ dbt.date_trunc('month', 'trade_date') }} as trade_month
    from up_to_as_of_date
    where is_in_window

),

window_totals as (

    select
        customer_id,
        sum(trade_count) as trade_count,
        sum(trade_amount) as annual_trade_volume,
        sum(commission) as annual_commission,
        count(distinct trade_date) as active_trading_days,
        count(distinct trade_month) as active_months,
        count(distinct product_type) as product_breadth
    from in_window
    group by customer_id

),

last_trades as (

    select
        customer_id,
        max(trade_date) as last_trade_date
    from up_to_as_of_date
    group by customer_id

),

final as (

    select
        last_trades.customer_id,
        last_trades.last_trade_date,
        cast(coalesce(window_totals.trade_count, 0) as {{ dbt.type_bigint() }}) as trade_count,
        cast(coalesce(window_totals.annual_trade_volume, 0) as decimal(38, 2))
            as annual_trade_volume,
        cast(coalesce(window_totals.annual_commission, 0) as decimal(38, 2)) as annual_commission,
        coalesce(window_totals.active_trading_days, 0) as active_trading_days,
        coalesce(window_totals.active_months, 0) as active_months,
        coalesce(window_totals.product_breadth, 0) as product_breadth
    from last_trades
    left join window_totals
        on last_trades.customer_id = window_totals.customer_id

)

select * from final
