-- Per customer with a trade on or before as_of_date: the trade indicators over W and the last
-- trade date over all history. The rows of int_customer_trades_window_state, which a daily
-- build updates from the trade days entering and leaving W.
with

window_state as (

    select * from {{ ref('int_customer_trades_window_state') }}

),

final as (

    select
        customer_id,
        last_trade_date,
        trade_count,
        annual_trade_volume,
        annual_commission,
        active_trading_days,
        active_months,
        product_breadth
    from window_state

)

select * from final
