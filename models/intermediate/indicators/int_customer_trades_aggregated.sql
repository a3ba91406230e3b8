-- Per kept customer with a trade on or before as_of_date: the trade indicators over W (0 when
-- none in W) and the last trade date on or before as_of_date over all history. The rows of
-- int_customer_trades_window_state (which a daily build updates from the days entering and
-- leaving W), where the verdicts that depend on other tables are taken: only kept customers;
-- a customer with a trade before its open date or a trade_id with a version on another day
-- (quarantined in int_trades_cleaned) is recomputed from int_trades_cleaned, few customers.
with

window_state as (

    select * from {{ ref('int_customer_trades_window_state') }}

),

customer_verdicts as (

    select * from {{ ref('int_customer_verdicts') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

-- the kept customers whose state counts trades the verdicts at read time quarantine (a trade
-- before the open date, a trade_id dated twice: int_customers_excluded_at_read)
recomputed_customers as (

    select customer_id
    from {{ ref('int_customers_excluded_at_read') }}
    where table_name = 'trades' and is_kept

),

from_state as (

    select
        window_state.customer_id,
        window_state.last_trade_date,
        window_state.trade_count,
        window_state.annual_trade_volume,
        window_state.annual_commission,
        window_state.active_trading_days,
        window_state.active_months,
        window_state.product_breadth
    from window_state
    inner join customer_verdicts
        on window_state.customer_id = customer_verdicts.customer_id
    where
        customer_verdicts.is_kept
        and window_state.customer_id not in (
            select recomputed_customers.customer_id from recomputed_customers
        )

),

recomputed_trades as (

    select * from {{ ref('int_trades_cleaned') }}
    where customer_id in (select recomputed_customers.customer_id from recomputed_customers)

),

recomputed_trade_days as (

    {{ trade_day_rows('recomputed_trades') }}

),

recomputed_totals as (

    {{ trade_window_totals('recomputed_trade_days', 'indicator_window') }}

),

recomputed as (

    select
        customer_id,
        last_trade_date,
        cast(coalesce(trade_count, 0) as {{ dbt.type_bigint() }}) as trade_count,
        cast(coalesce(annual_trade_volume, 0) as decimal(38, 2)) as annual_trade_volume,
        cast(coalesce(annual_commission, 0) as decimal(38, 2)) as annual_commission,
        cast(coalesce(active_trading_days, 0) as {{ dbt.type_bigint() }}) as active_trading_days,
        cast(coalesce(active_months, 0) as {{ dbt.type_bigint() }}) as active_months,
        cast(coalesce(product_breadth, 0) as {{ dbt.type_bigint() }}) as product_breadth
    from recomputed_totals

),

final as (

    select * from from_state
    union all
    select * from recomputed

)

select * from final
