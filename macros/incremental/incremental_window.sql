{#
    Window states (int_customer_balances_window_state, int_customer_trades_window_state): one
    row per customer holding the window aggregates and the window they were computed for
    (window_as_of_date, window_start_date, window_lookback_days). A daily build, where the
    window only moved forward, updates them from the days that enter W,
    (previous as_of_date, as_of_date], and those that leave it,
    [previous window_start_date, window_start_date); any other build recomputes them.

    window_state_decision() runs, before the model's query is compiled, one query that says
    whether the update is valid. It returns a dict: full_reason (none = incremental update) and
    the dates the update needs as 'YYYY-MM-DD' strings (previous_as_of_date,
    previous_window_start_date, as_of_date, window_start_date, first_trading_date,
    last_trading_date). The update is not valid, and the state is recomputed, when:
    - the model is built for the first time or with --full-refresh;
    - the previous state is missing, holds more than one window or none;
    - lookback_days changed, as_of_date moved back, or the window moved by lookback_days or
      more (nothing of the old window is left);
    - a validated per-day table (reloaded_tables: a list of [relation, date column]) holds a
      row loaded by this invocation (loaded_by_invocation_id), dated on or before the previous
      as_of_date (a backfill), of a customer in relevant_customers_sql (a select of
      customer_id; every customer when none);
    - with compare_customers, int_customers_cleaned differs from the state's customers
      (customer_id, open_date, close_date): open and close dates decide the open days.
    A post-hook (window_state_drop_previous) deletes the previous state once the new one is in.
#}
{% macro window_state_decision(reloaded_tables, relevant_customers_sql=none, compare_customers=false) %}
    {#- resolved before any return, so that parsing records them as the model's dependencies -#}
    {%- set indicator_window = ref('int_indicator_window') -%}
    {%- set trading_calendar = ref('int_trading_calendar') -%}
    {%- set customers = ref('int_customers_cleaned') -%}
    {%- if not execute -%}
        {{ return({'full_reason': 'not executed (parse)'}) }}
    {%- endif -%}
    {%- if this is string or not is_incremental() -%}
        {{ return({'full_reason': 'first build or --full-refresh'}) }}
    {%- endif -%}
    {%- set decision_sql -%}
        with

        previous_state as (

            select
                count(*) as state_rows,
                count(distinct computed_by_invocation_id) as states,
                count(distinct window_as_of_date) as as_of_dates,
                count(distinct window_lookback_days) as lookback_values,
                min(window_as_of_date) as as_of_date,
                min(window_start_date) as window_start_date,
                min(window_lookback_days) as lookback_days
            from {{ this }}

        ),

        indicator_window as (

            select * from {{ indicator_window }}

        ),

        trading_calendar as (

            select
                min(trading_date) as first_trading_date,
                max(trading_date) as last_trading_date
            from {{ trading_calendar }}

        ),

        {% if relevant_customers_sql %}
        relevant_customers as (

            {{ relevant_customers_sql }}

        ),
        {% endif %}

        {% for relation, date_column in reloaded_tables %}
        reloaded_{{ loop.index }} as (

            select count(*) as reloaded_rows
            from {{ relation }} as loaded
            cross join previous_state
            where
                loaded.loaded_by_invocation_id = '{{ invocation_id }}'
                and loaded.{{ date_column }} <= previous_state.as_of_date
                {% if relevant_customers_sql -%}
                and loaded.customer_id in (select customer_id from relevant_customers)
                {%- endif %}

        ),

        {% endfor %}
        {% if compare_customers %}
        current_customers as (

            select customer_id, open_date, close_date from {{ customers }}

        ),

        state_customers as (

            select customer_id, open_date, close_date from {{ this }}

        ),

        changed_customers as (

            select count(*) as changed_customers
            from (
                (select * from current_customers except select * from state_customers)
                union all
                (select * from state_customers except select * from current_customers)
            ) as changed

        ),

        {% endif %}
        final as (

            select
                case
                    when previous_state.state_rows = 0 then 'the previous state is empty'
                    when
                        previous_state.states <> 1
                        or previous_state.as_of_dates <> 1
                        or previous_state.lookback_values <> 1
                        then 'the previous state holds more than one window'
                    when previous_state.lookback_days <> indicator_window.lookback_days
                        then 'lookback_days changed'
                    when indicator_window.as_of_date < previous_state.as_of_date
                        then 'as_of_date moved back'
                    when
                        {{ dbt.datediff(
                            'previous_state.as_of_date', 'indicator_window.as_of_date', 'day'
                        ) }} >= indicator_window.lookback_days
                        then 'the window moved by lookback_days or more'
                    {% for relation, date_column in reloaded_tables %}
                    when (select reloaded_rows from reloaded_{{ loop.index }}) > 0
                        then 'rows of {{ relation.identifier }} dated in the previous window '
                        || 'were reloaded'
                    {% endfor %}
                    {% if compare_customers %}
                    when (select changed_customers from changed_customers) > 0
                        then 'customers were added, changed or removed'
                    {% endif %}
                end as full_reason,
                cast(previous_state.as_of_date as {{ dbt.type_string() }}) as previous_as_of_date,
                cast(previous_state.window_start_date as {{ dbt.type_string() }})
                    as previous_window_start_date,
                cast(indicator_window.as_of_date as {{ dbt.type_string() }}) as as_of_date,
                cast(indicator_window.window_start_date as {{ dbt.type_string() }})
                    as window_start_date,
                cast(trading_calendar.first_trading_date as {{ dbt.type_string() }})
                    as first_trading_date,
                cast(trading_calendar.last_trading_date as {{ dbt.type_string() }})
                    as last_trading_date
            from previous_state
            cross join indicator_window
            cross join trading_calendar

        )

        select * from final
    {%- endset -%}
    {%- set row = run_query(decision_sql).rows[0] -%}
    {%- set decision = {
        'full_reason': row['full_reason'],
        'previous_as_of_date': row['previous_as_of_date'],
        'previous_window_start_date': row['previous_window_start_date'],
        'as_of_date': row['as_of_date'],
        'window_start_date': row['window_start_date'],
        'first_trading_date': row['first_trading_date'],
        'last_trading_date': row['last_trading_date'],
    } -%}
    {%- if decision['full_reason'] is none -%}
        {%- do log(this.identifier ~ ': incremental update, window end '
            ~ decision['previous_as_of_date'] ~ ' -> ' ~ decision['as_of_date']
            ~ ' (days entering after ' ~ decision['previous_as_of_date'] ~ ', leaving from '
            ~ decision['previous_window_start_date'] ~ ' to before '
            ~ decision['window_start_date'] ~ ')', info=true) -%}
    {%- else -%}
        {%- do log(this.identifier ~ ': full recomputation: ' ~ decision['full_reason'],
            info=true) -%}
    {%- endif -%}
    {{ return(decision) }}
{% endmacro %}

{# A date of window_state_decision() as a SQL date literal. #}
{% macro window_date(value) -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{% macro window_state_drop_previous() -%}
    {{ return(adapter.dispatch('window_state_drop_previous', 'broker_segments')()) }}
{%- endmacro %}

{% macro default__window_state_drop_previous() -%}
    delete from {{ this }} where computed_by_invocation_id <> '{{ invocation_id }}'
{%- endmacro %}

{# Spark rebuilds the state in full (full_refresh_on_spark): no previous state is left. #}
{% macro spark__window_state_drop_previous() -%}
{%- endmacro %}
