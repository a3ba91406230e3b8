-- Per kept customer with a trade on or before as_of_date: the trade indicators over W (0 when
-- none in W) and the last trade date on or before as_of_date over all history. The months of
-- W after its first and before as_of_date's come summed from int_customer_trade_months;
-- only W's first and last month are read day by day (int_customer_trade_days), so nothing is
-- kept from the previous build and a late day or a changed window needs no special case.
-- The verdicts that depend on other tables are taken here: only kept customers; a customer
-- with a trade before its open date or a trade_id with a version on another day (quarantined
-- in int_trades_cleaned) is recomputed from int_trades_cleaned, few customers.
with

trade_months as (

    select * from {{ ref('int_customer_trade_months') }}

),

trade_days as (

    select * from {{ ref('int_customer_trade_days') }}

),

customer_verdicts as (

    select * from {{ ref('int_customer_verdicts') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

-- the kept customers whose trade days hold trades the verdicts at read time quarantine (a
-- trade before the open date, a trade_id dated twice: int_customers_excluded_at_read)
recomputed_customers as (

    select customer_id
    from {{ ref('int_customers_excluded_at_read') }}
    where table_name = 'trades' and is_kept

),

-- W's first month and as_of_date's (partly in W; the same month for a short window)
window_months as (

    select
        window_start_date,
        as_of_date,
        cast({{ dbt.date_trunc('month', 'window_start_date') }} as date) as first_month,
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'window_start_date')) }} as date)
            as month_after_first,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as last_month
    from indicator_window

),

-- the trade days read day by day: W's days in its first month, and as_of_date's month up to
-- as_of_date (its days before W too, for the last trade date)
edge_days as (

    select
        trade_days.customer_id,
        cast({{ dbt.date_trunc('month', 'trade_days.trade_date') }} as date) as trade_month,
        trade_days.trade_date,
        trade_days.product_type,
        trade_days.trade_count,
        trade_days.trade_amount,
        trade_days.commission,
        trade_days.trade_date >= window_months.window_start_date as is_in_window
    from trade_days
    cross join window_months
    where
        trade_days.trade_date <= window_months.as_of_date
        and (
            trade_days.trade_date >= window_months.last_month
            or (
                trade_days.trade_date >= window_months.window_start_date
                and trade_days.trade_date < window_months.month_after_first
            )
        )

),

-- every month before as_of_date's: the first and last trade date of the history, and W's
-- whole months
earlier_months as (

    select
        trade_months.*,
        trade_months.trade_month > window_months.first_month as is_in_window
    from trade_months
    cross join window_months
    where trade_months.trade_month < window_months.last_month

),

window_parts as (

    select
        customer_id,
        trade_month,
        product_type,
        trade_count,
        trade_amount,
        commission,
        cast(null as date) as trade_date,
        month_trading_days,
        first_trade_date,
        last_trade_date,
        is_in_window
    from earlier_months

    union all

    select
        customer_id,
        trade_month,
        product_type,
        trade_count,
        trade_amount,
        commission,
        trade_date,
        0 as month_trading_days,
        trade_date as first_trade_date,
        trade_date as last_trade_date,
        is_in_window
    from edge_days

),

customer_totals as (

    select
        customer_id,
        min(first_trade_date) as first_trade_date,
        max(last_trade_date) as last_trade_date,
        sum(case when is_in_window then trade_count end) as trade_count,
        sum(case when is_in_window then trade_amount end) as annual_trade_volume,
        sum(case when is_in_window then commission end) as annual_commission,
        sum(case when is_in_window then month_trading_days end)
        + count(distinct case when is_in_window then trade_date end) as active_trading_days,
        count(distinct case when is_in_window then trade_month end) as active_months,
        count(distinct case when is_in_window then product_type end) as product_breadth
    from window_parts
    group by customer_id

),

from_months as (

    select customer_totals.*
    from customer_totals
    inner join customer_verdicts
        on customer_totals.customer_id = customer_verdicts.customer_id
    where
        customer_verdicts.is_kept
        and customer_totals.customer_id not in (
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

customer_trades as (

    -- customer_totals has trade_window_totals' columns, in its order
    select * from from_months
    union all
    select * from recomputed_totals

),

final as (

    select
        customer_id,
        last_trade_date,
        cast(coalesce(trade_count, 0) as {{ dbt.type_bigint() }}) as trade_count,
        cast(coalesce(annual_trade_volume, 0) as decimal(38, 2)) as annual_trade_volume,
        cast(coalesce(annual_commission, 0) as decimal(38, 2)) as annual_commission,
        cast(coalesce(active_trading_days, 0) as {{ dbt.type_bigint() }}) as active_trading_days,
        cast(coalesce(active_months, 0) as {{ dbt.type_bigint() }}) as active_months,
        cast(coalesce(product_breadth, 0) as {{ dbt.type_bigint() }}) as product_breadth
    from customer_trades

)

select * from final
