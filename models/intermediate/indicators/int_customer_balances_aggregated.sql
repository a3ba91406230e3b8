-- Per customer with an open trading day in W: open trading days, balance sums (a missing
-- balance row counts as zero), assets on the first open trading day of W and on the last
-- trading day of T. The customers with an open day of int_customer_balances_window_state,
-- which a daily build updates from the days entering and leaving W.
with

window_state as (

    select * from {{ ref('int_customer_balances_window_state') }}

),

final as (

    select
        customer_id,
        open_trading_days,
        cash_balance_sum,
        market_value_sum,
        first_open_trading_date,
        last_open_trading_date,
        first_open_day_assets,
        end_assets
    from window_state
    where open_trading_days > 0

)

select * from final
