{#- Averages and ratios are double (not dbt.type_float(), which is a 4-byte real on DuckDB). -#}
{#- The raw data quality gate: every consumer-facing model (the fits, customer_segments,
    customer_points, segment_service_plan, the history) is downstream of this mart, so in
    `dbt build` a failed test of raw_data_reconciliation (rows that do not reconcile, a
    quarantined share above max_quarantine_share) skips them all and yesterday's published
    tables stay as they were. -#}
-- depends_on: {{ ref('raw_data_reconciliation') }}
with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

balances as (

    select * from {{ ref('int_customer_balances_aggregated') }}

),

trades as (

    select * from {{ ref('int_customer_trades_aggregated') }}

),

transfers as (

    select * from {{ ref('int_customer_transfers_aggregated') }}

),

-- Every customer, with zeros where the window holds nothing for them.
joined as (

    select
        customers.customer_id,
        customers.open_date,
        customers.close_date,
        indicator_window.as_of_date,
        indicator_window.window_start_date,
        trades.last_trade_date,
        coalesce(balances.open_trading_days, 0) as open_trading_days,
        coalesce(balances.cash_balance_sum, 0) as cash_balance_sum,
        coalesce(balances.market_value_sum, 0) as market_value_sum,
        coalesce(balances.first_open_day_assets, 0) as first_open_day_assets,
        coalesce(balances.end_assets, 0) as end_assets,
        coalesce(trades.annual_commission, 0) as annual_commission,
        coalesce(trades.annual_trade_volume, 0) as annual_trade_volume,
        coalesce(trades.trade_count, 0) as trade_count,
        coalesce(trades.active_trading_days, 0) as active_trading_days,
        coalesce(trades.active_months, 0) as active_months,
        coalesce(trades.product_breadth, 0) as product_breadth,
        coalesce(transfers.net_fund_inflow, 0) as net_fund_inflow
    from customers
    cross join indicator_window
    left join balances
        on customers.customer_id = balances.customer_id
    left join trades
        on customers.customer_id = trades.customer_id
    left join transfers
        on customers.customer_id = transfers.customer_id

),

averages as (

    select
        *,
        case
            when open_trading_days > 0
                then cast(cash_balance_sum as double) / open_trading_days
            else 0
        end as avg_daily_cash,
        case
            when open_trading_days > 0
                then cast(market_value_sum as double) / open_trading_days
            else 0
        end as avg_daily_market_value
    from joined

),

value_indicators as (

    select
        *,
        avg_daily_cash + avg_daily_market_value as avg_daily_assets,
        avg_daily_cash * {{ var('interest_margin_rate') }} as interest_margin_contribution,
        ln(cast(1 + end_assets as double))
        - ln(cast(1 + first_open_day_assets as double)) as asset_growth
    from averages

),

derived_indicators as (

    select
        *,
        cast(annual_commission as double) + interest_margin_contribution as customer_contribution,
        case
            when avg_daily_assets > 0
                then cast(annual_trade_volume as double) / avg_daily_assets
        end as annual_turnover,
        -- A customer who opens after as_of_date counts as opened on it: tenure and recency 0.
        -- as double: Spark divides an integer by a decimal to 6 decimal places
        cast(greatest({{ dbt.datediff('open_date', 'as_of_date', 'day') }}, 0) as double) / 365.25
            as account_age_years,
        greatest(
            {{ dbt.datediff('coalesce(last_trade_date, open_date)', 'as_of_date', 'day') }}, 0
        ) as days_since_last_trade
    from value_indicators

),

flags as (

    select
        *,
        coalesce(close_date <= as_of_date, false) as is_closed,
        open_date > as_of_date as is_opened_after_as_of_date,
        open_trading_days < {{ var('min_open_trading_days') }} as has_short_history,
        -- The paper's outlier rule, with which side of it the customer falls on: the rule
        -- that assigns an outlier's segment depends on it.
        case
            when customer_contribution > {{ var('outlier_max_customer_contribution') }}
                then 'top_contributor'
            when
                avg_daily_assets < {{ var('outlier_min_avg_daily_assets') }}
                and annual_trade_volume < {{ var('outlier_min_annual_trade_volume') }}
                then 'empty_account'
        end as outlier_rule
    from derived_indicators

),

final as (

    select
        ----------  ids
        customer_id,

        ----------  dates
        as_of_date,
        window_start_date,
        open_date,
        close_date,

        ----------  assets (from daily balances)
        cast(open_trading_days as {{ dbt.type_bigint() }}) as open_trading_days,
        cast(avg_daily_cash as double) as avg_daily_cash,
        cast(avg_daily_market_value as double) as avg_daily_market_value,
        cast(avg_daily_assets as double) as avg_daily_assets,
        cast(end_assets as decimal(38, 2)) as end_assets,
        cast(asset_growth as double) as asset_growth,

        ----------  trading
        cast(annual_commission as decimal(38, 2)) as annual_commission,
        cast(annual_trade_volume as decimal(38, 2)) as annual_trade_volume,
        cast(trade_count as {{ dbt.type_bigint() }}) as trade_count,
        cast(active_trading_days as {{ dbt.type_bigint() }}) as active_trading_days,
        cast(active_months as {{ dbt.type_bigint() }}) as active_months,
        cast(product_breadth as {{ dbt.type_bigint() }}) as product_breadth,

        ----------  funds
        cast(net_fund_inflow as decimal(38, 2)) as net_fund_inflow,

        ----------  contribution and activity
        cast(interest_margin_contribution as double) as interest_margin_contribution,
        cast(customer_contribution as double) as customer_contribution,
        cast(annual_turnover as double) as annual_turnover,

        ----------  loyalty
        cast(account_age_years as double) as account_age_years,
        cast(days_since_last_trade as {{ dbt.type_bigint() }}) as days_since_last_trade,

        ----------  fitting-sample flags
        is_closed,
        is_opened_after_as_of_date,
        has_short_history,
        outlier_rule is not null as is_outlier,
        outlier_rule,
        not is_closed and not has_short_history and outlier_rule is null as is_in_fitting_sample
    from flags

)

select * from final
