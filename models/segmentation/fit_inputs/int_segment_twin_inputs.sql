-- One row per customer of the fitting sample: the customer's twin, the established customer
-- seen as if new (docs/domain.md, "Placing new customers"). The twin's history is the
-- customer's last N open trading days of the window, N drawn per customer over
-- 1 .. min_open_trading_days - 1 (a hash of customer_id salted with segmentation_seed, so the
-- same N on every build); its inputs are computed from those days as a new customer's are
-- from theirs: window totals over the N days, averages over them, then scaled to a full window
-- by the same rule (macro comparable_inputs, var new_customer_annualise). The fits train the
-- functions that place new customers on these twins, their class the customer's K-means
-- segment. Only the inputs of var new_customer_twin_inputs are kept.
{%- set twin_inputs = var('new_customer_twin_inputs') %}
{%- set annualise = var('new_customer_annualise') %}
{%- set min_days = var('min_open_trading_days') | int %}
{#- a twin holds 1 .. min_open_trading_days - 1 days #}
{%- set max_twin_days = [min_days - 1, 1] | max %}
{%- set comparable = comparable_inputs(
    'twin_totals', 'twin_totals.annualisation_factor', 'twin_totals.window_months'
) %}
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

trades as (

    select * from {{ ref('int_trades_cleaned') }}

),

window_size as (

    select
        count(*) as window_trading_days,
        count(distinct {{ dbt.date_trunc('month', 'trading_date') }}) as window_months,
        max(trading_day_number) as last_trading_day_number
    from trading_calendar

),

-- N: 1 .. min_open_trading_days - 1 (no twin when no history is short).
twins as (

    select
        customer_id,
        1 + {{ hex_to_bigint(
            "substr(md5(customer_id || ':' || '" ~ var("segmentation_seed") ~ "'), 1, 8)"
        ) }} % {{ max_twin_days }} as twin_open_trading_days
    from indicators
    where is_in_fitting_sample and {{ min_days }} > 1

),

-- The twin's days: the last N trading days of the window (a fitted customer is open on all
-- of them: open on as_of_date, at least min_open_trading_days open days).
twin_days as (

    select
        twins.customer_id,
        twins.twin_open_trading_days,
        trading_calendar.trading_date
    from twins
    cross join window_size
    inner join trading_calendar
        on
            trading_calendar.trading_day_number
            > window_size.last_trading_day_number - twins.twin_open_trading_days

),

-- The days a twin can hold (the last min_open_trading_days - 1 of the window), and the
-- balances and trades of those days only: the joins below then read a fraction of the
-- rows (Spark shuffles every row it joins on customer_id).
twin_window_days as (

    select trading_calendar.trading_date
    from trading_calendar
    cross join window_size
    where
        trading_calendar.trading_day_number
        > window_size.last_trading_day_number - {{ max_twin_days }}

),

twin_window_balances as (

    select balances.*
    from balances
    inner join twin_window_days
        on balances.balance_date = twin_window_days.trading_date

),

-- the kept trades (int_trades_cleaned: the verdicts taken at read time) of those days
twin_window_trades as (

    select trades.*
    from trades
    inner join twin_window_days
        on trades.trade_date = twin_window_days.trading_date

),

twin_window_trade_days as (

    {{ trade_day_rows('twin_window_trades') }}

),

-- A day without a balance row counts as zero cash and zero market value, as in the window.
twin_balances as (

    select
        twin_days.customer_id,
        any_value(twin_days.twin_open_trading_days) as twin_open_trading_days,
        sum(coalesce(cast(twin_window_balances.cash_balance as double), 0))
        / any_value(twin_days.twin_open_trading_days) as avg_daily_cash,
        sum(coalesce(cast(twin_window_balances.market_value as double), 0))
        / any_value(twin_days.twin_open_trading_days) as avg_daily_market_value
    from twin_days
    left join twin_window_balances
        on
            twin_days.customer_id = twin_window_balances.customer_id
            and twin_days.trading_date = twin_window_balances.balance_date
    group by twin_days.customer_id

),

twin_trades as (

    select
        twin_days.customer_id,
        sum(cast(twin_window_trade_days.commission as double)) as annual_commission,
        sum(cast(twin_window_trade_days.trade_amount as double)) as annual_trade_volume,
        sum(twin_window_trade_days.trade_count) as trade_count,
        count(distinct twin_window_trade_days.trade_date) as active_trading_days,
        count(distinct {{ dbt.date_trunc('month', 'twin_window_trade_days.trade_date') }})
            as active_months,
        count(distinct twin_window_trade_days.product_type) as product_breadth
    from twin_days
    inner join twin_window_trade_days
        on
            twin_days.customer_id = twin_window_trade_days.customer_id
            and twin_days.trading_date = twin_window_trade_days.trade_date
    group by twin_days.customer_id

),

-- The indicators of the twin's history, named as customer_indicators' (docs/domain.md).
twin_totals as (

    select
        twin_balances.customer_id,
        twin_balances.twin_open_trading_days,
        window_size.window_months,
        {% if annualise %}
            cast(window_size.window_trading_days as double)
            / twin_balances.twin_open_trading_days
        {% else %}
            1.0
        {% endif %} as annualisation_factor,
        twin_balances.avg_daily_cash,
        twin_balances.avg_daily_market_value,
        twin_balances.avg_daily_cash + twin_balances.avg_daily_market_value as avg_daily_assets,
        coalesce(twin_trades.annual_commission, 0) as annual_commission,
        coalesce(twin_trades.annual_trade_volume, 0) as annual_trade_volume,
        coalesce(twin_trades.trade_count, 0) as trade_count,
        coalesce(twin_trades.active_trading_days, 0) as active_trading_days,
        coalesce(twin_trades.active_months, 0) as active_months,
        coalesce(twin_trades.product_breadth, 0) as product_breadth,
        twin_balances.avg_daily_cash * {{ var('interest_margin_rate') }}
            as interest_margin_contribution,
        coalesce(twin_trades.annual_commission, 0)
        + twin_balances.avg_daily_cash * {{ var('interest_margin_rate') }}
            as customer_contribution,
        case
            when twin_balances.avg_daily_cash + twin_balances.avg_daily_market_value > 0
                then
                    coalesce(twin_trades.annual_trade_volume, 0)
                    / (twin_balances.avg_daily_cash + twin_balances.avg_daily_market_value)
        end as annual_turnover
    from twin_balances
    cross join window_size
    left join twin_trades
        on twin_balances.customer_id = twin_trades.customer_id

),

final as (

    select
        twin_totals.customer_id,
        twin_totals.twin_open_trading_days,
        twin_totals.annualisation_factor,
        {% for column in twin_inputs %}
            {{ comparable.get(column, 'cast(twin_totals.' ~ column ~ ' as double)') }}
                as {{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from twin_totals

)

select * from final
