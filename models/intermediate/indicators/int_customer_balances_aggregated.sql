-- Per customer over the window W: open trading days, balance sums (a missing balance row counts
-- as zero, so only the rows that exist are summed), assets on the first open trading day of W
-- and on the last trading day of T. Read straight from the cleaned balances: the open days
-- come from the calendar, looked up once per distinct open and close date, so no table of
-- every customer on every day is built.
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

-- First trading day of W on or after each open date.
first_open_days as (

    select
        opened.open_date,
        min(trading_calendar.trading_date) as first_open_trading_date,
        min(trading_calendar.trading_day_number) as first_open_day_number
    from (select distinct customers.open_date from customers) as opened
    inner join trading_calendar
        on opened.open_date <= trading_calendar.trading_date
    group by opened.open_date

),

-- Last trading day of W on or before each close date (no close date: the last day of W).
last_open_days as (

    select
        closed.close_date,
        max(trading_calendar.trading_date) as last_open_trading_date,
        max(trading_calendar.trading_day_number) as last_open_day_number
    from (select distinct customers.close_date from customers) as closed
    inner join trading_calendar
        on closed.close_date is null or closed.close_date >= trading_calendar.trading_date
    group by closed.close_date

),

open_periods as (

    select
        customers.customer_id,
        first_open_days.first_open_trading_date,
        last_open_days.last_open_trading_date,
        last_open_days.last_open_day_number - first_open_days.first_open_day_number + 1
            as open_trading_days
    from customers
    inner join first_open_days
        on customers.open_date = first_open_days.open_date
    inner join last_open_days
        on customers.close_date is not distinct from last_open_days.close_date
    where first_open_days.first_open_trading_date <= last_open_days.last_open_trading_date

),

-- Balance rows of W on the customer's open days (rows outside the open period do not count).
open_day_balances as (

    select
        open_periods.customer_id,
        daily_balances.balance_date,
        daily_balances.cash_balance,
        daily_balances.market_value,
        daily_balances.cash_balance + daily_balances.market_value as total_assets,
        daily_balances.balance_date = open_periods.first_open_trading_date as is_first_open_day,
        trading_calendar.is_last_trading_day
    from daily_balances
    inner join trading_calendar
        on daily_balances.balance_date = trading_calendar.trading_date
    inner join open_periods
        on
            daily_balances.customer_id = open_periods.customer_id
            and daily_balances.balance_date >= open_periods.first_open_trading_date
            and daily_balances.balance_date <= open_periods.last_open_trading_date

),

balance_totals as (

    select
        customer_id,
        sum(cash_balance) as cash_balance_sum,
        sum(market_value) as market_value_sum,
        sum(case when is_first_open_day then total_assets else 0 end) as first_open_day_assets,
        -- Only an account open on the last trading day of T has end assets; otherwise 0.
        sum(case when is_last_trading_day then total_assets else 0 end) as end_assets
    from open_day_balances
    group by customer_id

),

final as (

    select
        open_periods.customer_id,
        open_periods.open_trading_days,
        cast(coalesce(balance_totals.cash_balance_sum, 0) as decimal(38, 2)) as cash_balance_sum,
        cast(coalesce(balance_totals.market_value_sum, 0) as decimal(38, 2)) as market_value_sum,
        open_periods.first_open_trading_date,
        open_periods.last_open_trading_date,
        cast(coalesce(balance_totals.first_open_day_assets, 0) as decimal(38, 2))
            as first_open_day_assets,
        cast(coalesce(balance_totals.end_assets, 0) as decimal(38, 2)) as end_assets
    from open_periods
    left join balance_totals
        on open_periods.customer_id = balance_totals.customer_id

)

select * from final
