{#
    The trade indicators' two steps, written once: the per-day rows (int_customer_trade_days)
    and the window totals over them (int_customer_trades_aggregated for the customers whose
    days a verdict taken at read time changed).
#}

{# Per customer, day and product: the trades of `trades` (a CTE of trade rows) summed. #}
{% macro trade_day_rows(trades) -%}
    select
        customer_id,
        trade_date,
        product_type,
        count(*) as trade_count,
        cast(sum(amount) as decimal(38, 2)) as trade_amount,
        cast(sum(commission) as decimal(38, 2)) as commission,
        max(loaded_through_date) as loaded_through_date
    from {{ trades }}
    group by
        customer_id,
        trade_date,
        product_type
{%- endmacro %}

{#
    Per customer with a trade day on or before as_of_date in `trade_days` (rows of
    trade_day_rows): the trade aggregates over W (null when none in W), the first and last
    trade date on or before as_of_date over all history. indicator_window: the CTE of
    int_indicator_window. Trades after as_of_date are ignored.
#}
{% macro trade_window_totals(trade_days, indicator_window) -%}
    with

    up_to_as_of_date as (

        select
            {{ trade_days }}.customer_id,
            {{ trade_days }}.trade_date,
            {{ trade_days }}.product_type,
            {{ trade_days }}.trade_count,
            {{ trade_days }}.trade_amount,
            {{ trade_days }}.commission,
            {{ trade_days }}.trade_date >= {{ indicator_window }}.window_start_date as is_in_window
        from {{ trade_days }}
        inner join {{ indicator_window }}
            on {{ trade_days }}.trade_date <= {{ indicator_window }}.as_of_date

    )

    -- one pass (a CTE read twice is materialized by DuckDB): W's sums and distinct counts
    -- take only W's days, the first and last trade date every day up to as_of_date
    select
        customer_id,
        min(trade_date) as first_trade_date,
        max(trade_date) as last_trade_date,
        sum(case when is_in_window then trade_count end) as trade_count,
        sum(case when is_in_window then trade_amount end) as annual_trade_volume,
        sum(case when is_in_window then commission end) as annual_commission,
        count(distinct case when is_in_window then trade_date end) as active_trading_days,
        count(distinct case
            when is_in_window then {{ dbt.date_trunc('month', 'trade_date') }}
        end) as active_months,
        count(distinct case when is_in_window then product_type end) as product_breadth
    from up_to_as_of_date
    group by customer_id
{%- endmacro %}
