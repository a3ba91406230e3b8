{{
    config(
        pre_hook="{{ common_subplans(false) }}",
        post_hook="{{ common_subplans(true) }}",
    )
}}
-- Per customer with an open trading day in W: open trading days, balance sums (a missing
-- balance row counts as zero), assets on the first open trading day of W and on the last
-- trading day of T. A balance row counts when its day is a trading day of W on which the
-- account is open. Open days come from the calendar, looked up once per distinct open and
-- close date.
-- No row is read twice a day: the months wholly inside a customer's open period come summed
-- from int_customer_balance_months (fifteen rows a customer), and only W's first and last
-- month are read day by day, with the months holding a row on a day that is no trading day
-- and the rare customer-month with a row outside the open period. Nothing is kept from the
-- previous build, so a late day, a mended customer or a changed window needs no special case.
with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

balance_days as (

    select * from {{ ref('int_balance_days') }}

),

balance_months as (

    select * from {{ ref('int_customer_balance_months') }}

),

stand_ins as (

    select * from {{ ref('int_daily_balances_stand_ins') }}

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
        cast({{ dbt.date_trunc('month', 'first_open_days.first_open_trading_date') }} as date)
            as first_open_month,
        cast({{ dbt.date_trunc('month', 'last_open_days.last_open_trading_date') }} as date)
            as last_open_month,
        last_open_days.last_open_day_number - first_open_days.first_open_day_number + 1
            as open_trading_days
    from customers
    inner join first_open_days
        on customers.open_date = first_open_days.open_date
    inner join last_open_days
        on customers.close_date is not distinct from last_open_days.close_date
    where first_open_days.first_open_trading_date <= last_open_days.last_open_trading_date

),

-- W's first and last month, partly in W.
window_months as (

    select
        cast({{ dbt.date_trunc('month', 'first_trading_date') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'last_trading_date') }} as date) as last_month,
        last_trading_date
    from trading_calendar
    where is_first_trading_day

),

-- A month with a balance row on a day that is no trading day: its month sums hold that row.
off_calendar_months as (

    select distinct cast({{ dbt.date_trunc('month', 'balance_date') }} as date) as balance_month
    from balance_days
    where not is_trading_day

),

-- The trading days of W read row by row for every customer, in three groups of days each
-- read on its own (day_rows): W's first month, its last, and the other months with an
-- off-calendar row.
day_read_dates as (

    select
        trading_calendar.trading_date,
        case
            when
                cast({{ dbt.date_trunc('month', 'trading_calendar.trading_date') }} as date)
                = window_months.first_month
                then 'first_month'
            when
                cast({{ dbt.date_trunc('month', 'trading_calendar.trading_date') }} as date)
                = window_months.last_month
                then 'last_month'
            else 'off_calendar'
        end as read_group
    from trading_calendar
    cross join window_months
    where
        cast({{ dbt.date_trunc('month', 'trading_calendar.trading_date') }} as date)
        in (window_months.first_month, window_months.last_month)
        or cast({{ dbt.date_trunc('month', 'trading_calendar.trading_date') }} as date) in (
            select off_calendar_months.balance_month from off_calendar_months
        )

),

-- Per customer, the months summed: inside W's first and last month and the open period.
summed_months as (

    select
        balance_months.customer_id,
        balance_months.balance_month,
        balance_months.cash_balance_sum,
        balance_months.market_value_sum,
        balance_months.first_balance_date,
        balance_months.first_day_assets,
        open_periods.first_open_trading_date,
        balance_months.first_balance_date >= open_periods.first_open_trading_date
        and balance_months.last_balance_date <= open_periods.last_open_trading_date
            as is_whole
    from balance_months
    inner join open_periods
        on balance_months.customer_id = open_periods.customer_id
    cross join window_months
    where
        balance_months.balance_month > window_months.first_month
        and balance_months.balance_month < window_months.last_month
        and balance_months.balance_month >= open_periods.first_open_month
        and balance_months.balance_month <= open_periods.last_open_month
        and balance_months.balance_month not in (
            select off_calendar_months.balance_month from off_calendar_months
        )

),

-- The customer-months with a row outside the open period (the month of an opening or a
-- closing, rows sent before or after it): read row by row.
partial_months as (

    select
        customer_id,
        balance_month
    from summed_months
    where not is_whole

),

-- The balance rows read day by day. int_daily_balances_cleaned is read once per group of
-- days, each joined to its own days, so that the join's range of days prunes the rows read
-- (DuckDB's join filter, Spark's dynamic partition pruning): two months, not the history.
-- Not through an import CTE, and without DuckDB's common-subplan optimizer (the hooks
-- above): either would materialize the relation read twice, every row of it.
day_rows as (

    {%- for read_group in ['first_month', 'last_month', 'off_calendar'] %}
        select
            cleaned.customer_id,
            cleaned.balance_date,
            cleaned.cash_balance,
            cleaned.market_value
        from {{ ref('int_daily_balances_cleaned') }} as cleaned
        inner join day_read_dates
            on cleaned.balance_date = day_read_dates.trading_date
        where day_read_dates.read_group = '{{ read_group }}'

        union all
    {%- endfor %}

    -- a customer-month with a row outside the open period (none: no row is read)
    select
        cleaned.customer_id,
        cleaned.balance_date,
        cleaned.cash_balance,
        cleaned.market_value
    from {{ ref('int_daily_balances_cleaned') }} as cleaned
    inner join partial_months
        on
            cleaned.customer_id = partial_months.customer_id
            and cast({{ dbt.date_trunc('month', 'cleaned.balance_date') }} as date)
            = partial_months.balance_month

    union all

    -- a quarantined row's stand-in where the month sums (kept rows only) leave it out
    select
        stand_ins.customer_id,
        stand_ins.balance_date,
        stand_ins.cash_balance,
        stand_ins.market_value
    from stand_ins
    where
        stand_ins.balance_date not in (select day_read_dates.trading_date from day_read_dates)
        and not exists (
            select 1 from partial_months
            where
                partial_months.customer_id = stand_ins.customer_id
                and partial_months.balance_month
                = cast({{ dbt.date_trunc('month', 'stand_ins.balance_date') }} as date)
        )

),

-- one row per day read and per month summed, each with what it adds to the customer's totals
window_parts as (

    select
        open_periods.customer_id,
        day_rows.cash_balance,
        day_rows.market_value,
        case
            when day_rows.balance_date = open_periods.first_open_trading_date
                then day_rows.cash_balance + day_rows.market_value
            else 0
        end as first_open_day_assets,
        -- Only an account open on the last trading day of T has end assets; otherwise 0.
        case
            when day_rows.balance_date = window_months.last_trading_date
                then day_rows.cash_balance + day_rows.market_value
            else 0
        end as end_assets
    from day_rows
    inner join open_periods
        on
            day_rows.customer_id = open_periods.customer_id
            and day_rows.balance_date >= open_periods.first_open_trading_date
            and day_rows.balance_date <= open_periods.last_open_trading_date
    cross join window_months

    union all

    select
        customer_id,
        cash_balance_sum as cash_balance,
        market_value_sum as market_value,
        case
            when first_balance_date = first_open_trading_date then first_day_assets
            else 0
        end as first_open_day_assets,
        0 as end_assets
    from summed_months
    where is_whole

),

window_totals as (

    select
        customer_id,
        sum(cash_balance) as cash_balance_sum,
        sum(market_value) as market_value_sum,
        sum(first_open_day_assets) as first_open_day_assets,
        sum(end_assets) as end_assets
    from window_parts
    group by customer_id

),

final as (

    select
        open_periods.customer_id,
        open_periods.open_trading_days,
        cast(coalesce(window_totals.cash_balance_sum, 0) as decimal(38, 2)) as cash_balance_sum,
        cast(coalesce(window_totals.market_value_sum, 0) as decimal(38, 2)) as market_value_sum,
        open_periods.first_open_trading_date,
        open_periods.last_open_trading_date,
        cast(coalesce(window_totals.first_open_day_assets, 0) as decimal(38, 2))
            as first_open_day_assets,
        cast(coalesce(window_totals.end_assets, 0) as decimal(38, 2)) as end_assets
    from open_periods
    left join window_totals
        on open_periods.customer_id = window_totals.customer_id

)

select * from final
