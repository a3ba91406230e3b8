{{
    config(
        materialized='incremental',
        full_refresh=full_refresh_on_spark(),
        incremental_strategy='append',
        post_hook="{{ window_state_drop_previous() }}",
    )
}}
{#-
    One row per customer with a trade on or before as_of_date, whatever the customer's verdict
    (int_customer_trade_days holds the trades that keep their own rules): the trade aggregates
    over W, the first and last trade date over all history, and the window they were computed
    for. int_customer_trades_aggregated takes the verdicts that depend on other tables (kept
    customers; the customers with a trade before their open date or a trade_id with a version
    on another day are recomputed there from int_trades_cleaned), so a change of the
    customers' export needs no recomputation here. A daily build (the window moved forward,
    nothing reloaded: macros/incremental/incremental_window.sql) updates the previous state from
    the trade days entering and leaving W: sums, counts and active days by arithmetic (each
    customer-day is in one day), the first and last trade date by the entering ones; active
    months and product breadth, distinct counts, are recomputed from W's trade days for the
    customers with a trade on an entering or leaving day only. Any other build recomputes the
    state from every trade day up to as_of_date (macros/indicators/trade_window.sql).
-#}
{%- set decision = window_state_decision(
    reloaded_tables=[[ref('int_trades_validated'), 'trade_date']],
) -%}
{%- set incremental_update = decision['full_reason'] is none -%}
{%- if incremental_update -%}
    {%- set previous_as_of = window_date(decision['previous_as_of_date']) -%}
    {%- set as_of = window_date(decision['as_of_date']) -%}
    {%- set previous_start = window_date(decision['previous_window_start_date']) -%}
    {%- set window_start = window_date(decision['window_start_date']) -%}
{%- endif -%}
with

trade_days as (

    select * from {{ ref('int_customer_trade_days') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

{% if incremental_update %}
    previous_state as (

        select * from {{ this }}

    ),

    -- The trade days entering W (+1) and leaving it (-1).
    changed_trade_days as (

        select
            customer_id,
            trade_date,
            trade_count,
            trade_amount,
            commission,
            case
                when trade_date > {{ previous_as_of }} then 1
                else -1
            end as direction
        from trade_days
        where
            (
                trade_date > {{ previous_as_of }}
                and trade_date <= {{ as_of }}
            )
            or (
                trade_date >= {{ previous_start }}
                and trade_date < {{ window_start }}
            )

    ),

    trade_changes as (

        select
            customer_id,
            sum(direction * trade_count) as trade_count_change,
            sum(direction * trade_amount) as trade_volume_change,
            sum(direction * commission) as commission_change,
            count(distinct case when direction = 1 then trade_date end)
            - count(distinct case when direction = -1 then trade_date end) as active_days_change,
            min(case when direction = 1 then trade_date end) as first_entering_trade_date,
            max(case when direction = 1 then trade_date end) as last_entering_trade_date
        from changed_trade_days
        group by customer_id

    ),

    -- Distinct counts do not subtract: recomputed over W for the customers whose days changed.
    recounted as (

        select
            trade_days.customer_id,
            count(distinct {{ dbt.date_trunc('month', 'trade_days.trade_date') }}) as active_months,
            count(distinct trade_days.product_type) as product_breadth
        from trade_days
        inner join trade_changes
            on trade_days.customer_id = trade_changes.customer_id
        where
            trade_days.trade_date >= {{ window_start }}
            and trade_days.trade_date <= {{ as_of }}
        group by trade_days.customer_id

    ),

    updated as (

        select
            coalesce(previous_state.customer_id, trade_changes.customer_id) as customer_id,
            case
                when
                    previous_state.first_trade_date is null
                    or trade_changes.first_entering_trade_date < previous_state.first_trade_date
                    then trade_changes.first_entering_trade_date
                else previous_state.first_trade_date
            end as first_trade_date,
            case
                when
                    trade_changes.last_entering_trade_date is not null
                    and (
                        previous_state.last_trade_date is null
                        or trade_changes.last_entering_trade_date > previous_state.last_trade_date
                    )
                    then trade_changes.last_entering_trade_date
                else previous_state.last_trade_date
            end as last_trade_date,
            coalesce(previous_state.trade_count, 0) + coalesce(trade_changes.trade_count_change, 0)
                as trade_count,
            coalesce(previous_state.annual_trade_volume, 0)
            + coalesce(trade_changes.trade_volume_change, 0) as annual_trade_volume,
            coalesce(previous_state.annual_commission, 0)
            + coalesce(trade_changes.commission_change, 0) as annual_commission,
            coalesce(previous_state.active_trading_days, 0)
            + coalesce(trade_changes.active_days_change, 0) as active_trading_days,
            case
                when trade_changes.customer_id is not null
                    then coalesce(recounted.active_months, 0)
                else previous_state.active_months
            end as active_months,
            case
                when trade_changes.customer_id is not null
                    then coalesce(recounted.product_breadth, 0)
                else previous_state.product_breadth
            end as product_breadth
        from previous_state
        full outer join trade_changes
            on previous_state.customer_id = trade_changes.customer_id
        -- every customer of recounted has a change
        left join recounted
            on trade_changes.customer_id = recounted.customer_id

    ),

    customer_totals as (

        -- a customer whose only changed days left W keeps a row only with an earlier trade
        select * from updated
        where last_trade_date is not null

    ),

{% else %}
    customer_totals as (

        {{ trade_window_totals('trade_days', 'indicator_window') }}

    ),

{% endif %}
final as (

    select
        customer_totals.customer_id,
        customer_totals.first_trade_date,
        customer_totals.last_trade_date,
        cast(coalesce(customer_totals.trade_count, 0) as {{ dbt.type_bigint() }}) as trade_count,
        cast(coalesce(customer_totals.annual_trade_volume, 0) as decimal(38, 2))
            as annual_trade_volume,
        cast(coalesce(customer_totals.annual_commission, 0) as decimal(38, 2))
            as annual_commission,
        cast(coalesce(customer_totals.active_trading_days, 0) as {{ dbt.type_bigint() }})
            as active_trading_days,
        cast(coalesce(customer_totals.active_months, 0) as {{ dbt.type_bigint() }})
            as active_months,
        cast(coalesce(customer_totals.product_breadth, 0) as {{ dbt.type_bigint() }})
            as product_breadth,
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
    from customer_totals
    cross join indicator_window

)

select * from final
