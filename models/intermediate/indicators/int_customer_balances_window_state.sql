{{
    config(
        materialized='incremental',
        full_refresh=full_refresh_on_spark(),
        incremental_strategy='append',
        post_hook="{{ window_state_drop_previous() }}",
    )
}}
{#-
    One row per customer of int_customers_cleaned: the balance aggregates over W and the window
    they were computed for. A daily build (the window moved forward, nothing reloaded, the
    customers unchanged: macros/incremental/incremental_window.sql) updates the previous state:
    the sums from the balance rows of the days entering and leaving W, the first open day's
    assets from that day's rows where that day changed, the end assets from the last trading
    day's rows. Any other build recomputes the state from every balance row of W. Open days
    come from the calendar, looked up once per distinct open and close date; a balance row
    counts when its day is in W and the account is open that day.
-#}
{%- set decision = window_state_decision(
    reloaded_tables=[[ref('int_daily_balances_validated'), 'balance_date']],
    relevant_customers_sql='select customer_id from ' ~ ref('int_customers_cleaned'),
    compare_customers=true,
) -%}
{%- set incremental_update = decision['full_reason'] is none -%}
{%- if incremental_update -%}
    {%- set previous_as_of = window_date(decision['previous_as_of_date']) -%}
    {%- set as_of = window_date(decision['as_of_date']) -%}
    {%- set previous_start = window_date(decision['previous_window_start_date']) -%}
    {%- set window_start = window_date(decision['window_start_date']) -%}
    {%- set first_trading_day = window_date(decision['first_trading_date']) -%}
    {%- set last_trading_day = window_date(decision['last_trading_date']) -%}
{%- endif -%}
with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

trading_calendar as (

    select * from {{ ref('int_trading_calendar') }}

),

daily_balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

{% if incremental_update %}
    previous_state as (

        select * from {{ this }}

    ),

{% endif %}
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

{% if incremental_update %}
    -- The balance rows of the days entering W (+1) and leaving it (-1), on the customer's open
    -- days. Every balance_date is a trading day (the calendar is the balance dates), so a row is
    -- on an open day when the account is open that day.
    changed_day_balances as (

        select
            daily_balances.customer_id,
            daily_balances.cash_balance,
            daily_balances.market_value,
            case
                when daily_balances.balance_date > {{ previous_as_of }}
                    then 1
                else -1
            end as direction
        from daily_balances
        inner join customers
            on
                daily_balances.customer_id = customers.customer_id
                and daily_balances.balance_date >= customers.open_date
                and (
                    customers.close_date is null
                    or daily_balances.balance_date <= customers.close_date
                )
        where
            (
                daily_balances.balance_date > {{ previous_as_of }}
                and daily_balances.balance_date <= {{ as_of }}
            )
            or (
                daily_balances.balance_date >= {{ previous_start }}
                and daily_balances.balance_date < {{ window_start }}
            )

    ),

    balance_changes as (

        select
            customer_id,
            sum(direction * cash_balance) as cash_balance_change,
            sum(direction * market_value) as market_value_change
        from changed_day_balances
        group by customer_id

    ),

    -- The customers whose first open trading day of W is not the one of the previous state: W's
    -- first trading day (opened before W) or an entering day (opened since).
    moved_first_days as (

        select open_periods.*
        from open_periods
        left join previous_state
            on open_periods.customer_id = previous_state.customer_id
        where
            previous_state.first_open_trading_date is null
            or open_periods.first_open_trading_date <> previous_state.first_open_trading_date

    ),

    first_day_balances as (

        select
            moved_first_days.customer_id,
            daily_balances.cash_balance + daily_balances.market_value as first_open_day_assets
        from daily_balances
        inner join moved_first_days
            on
                daily_balances.customer_id = moved_first_days.customer_id
                and daily_balances.balance_date = moved_first_days.first_open_trading_date
        where
            daily_balances.balance_date = {{ first_trading_day }}
            or (
                daily_balances.balance_date > {{ previous_as_of }}
                and daily_balances.balance_date <= {{ as_of }}
            )

    ),

    end_day_balances as (

        select
            open_periods.customer_id,
            daily_balances.cash_balance + daily_balances.market_value as end_assets
        from daily_balances
        inner join open_periods
            on
                daily_balances.customer_id = open_periods.customer_id
                and daily_balances.balance_date = open_periods.last_open_trading_date
        where daily_balances.balance_date = {{ last_trading_day }}

    ),

    balance_totals as (

        select
            customers.customer_id,
            coalesce(previous_state.cash_balance_sum, 0)
            + coalesce(balance_changes.cash_balance_change, 0) as cash_balance_sum,
            coalesce(previous_state.market_value_sum, 0)
            + coalesce(balance_changes.market_value_change, 0) as market_value_sum,
            case
                when moved_first_days.customer_id is not null
                    then first_day_balances.first_open_day_assets
                else previous_state.first_open_day_assets
            end as first_open_day_assets,
            end_day_balances.end_assets
        from customers
        left join previous_state
            on customers.customer_id = previous_state.customer_id
        left join balance_changes
            on customers.customer_id = balance_changes.customer_id
        left join moved_first_days
            on customers.customer_id = moved_first_days.customer_id
        left join first_day_balances
            on customers.customer_id = first_day_balances.customer_id
        left join end_day_balances
            on customers.customer_id = end_day_balances.customer_id

    ),

{% else %}
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

{% endif %}
final as (

    select
        customers.customer_id,
        customers.open_date,
        customers.close_date,
        coalesce(open_periods.open_trading_days, 0) as open_trading_days,
        cast(coalesce(balance_totals.cash_balance_sum, 0) as decimal(38, 2)) as cash_balance_sum,
        cast(coalesce(balance_totals.market_value_sum, 0) as decimal(38, 2)) as market_value_sum,
        open_periods.first_open_trading_date,
        open_periods.last_open_trading_date,
        cast(coalesce(balance_totals.first_open_day_assets, 0) as decimal(38, 2))
            as first_open_day_assets,
        cast(coalesce(balance_totals.end_assets, 0) as decimal(38, 2)) as end_assets,
        indicator_window.as_of_date as window_as_of_date,
        indicator_window.window_start_date,
        indicator_window.lookback_days as window_lookback_days,
        '{{ "incremental" if incremental_update else "full" }}' as update_mode,
        {% if incremental_update -%}
            cast(null as {{ dbt.type_string() }}) as full_recomputation_reason,
        {%- else -%}
            '{{ decision["full_reason"] }}' as full_recomputation_reason,
        {%- endif %}
        '{{ invocation_id }}' as computed_by_invocation_id
    from customers
    cross join indicator_window
    left join open_periods
        on customers.customer_id = open_periods.customer_id
    left join balance_totals
        on customers.customer_id = balance_totals.customer_id

)

select * from final
