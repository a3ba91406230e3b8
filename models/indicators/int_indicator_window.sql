{#-
    The one place the indicator window is resolved from the vars: as_of_date (a 'YYYY-MM-DD'
    string, or null for the last trading day in the data) and lookback_days.
-#}
{%- set as_of_date = var('as_of_date') -%}
{%- if as_of_date is not none
    and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of_date | string) -%}
    {{ exceptions.raise_compiler_error(
        "var as_of_date must be a date written 'YYYY-MM-DD' (or null for the last trading day "
        ~ "in the data), got '" ~ as_of_date ~ "'."
    ) }}
{%- endif -%}

with

trading_days as (

    select * from {{ ref('int_trading_days') }}

),

data_span as (

    select
        min(trading_date) as first_trading_date,
        max(trading_date) as last_trading_date
    from trading_days

),

window_end as (

    select
        data_span.first_trading_date,
        data_span.last_trading_date,
        {% if as_of_date is none -%}
            data_span.last_trading_date as as_of_date,
        {%- else -%}
            cast('{{ as_of_date }}' as date) as as_of_date,
        {%- endif %}
        cast({{ var('lookback_days') }} as {{ dbt.type_int() }}) as lookback_days
    from data_span

),

resolved as (

    select
        *,
        -- W = (as_of_date - lookback_days, as_of_date]: its first day is the day after that.
        cast({{ dbt.dateadd('day', '1 - lookback_days', 'as_of_date') }} as date)
            as window_start_date
    from window_end

),

-- A window past the data or without a trading day would give every customer zero
-- indicators; stop the build and name the var instead.
checked as (

    select
        resolved.*,
        case
            when resolved.as_of_date > resolved.last_trading_date
                then {{ sql_error(
                    "'var as_of_date (' || cast(resolved.as_of_date as string)
                    || ') is after the last trading day in the data ('
                    || cast(resolved.last_trading_date as string)
                    || '): set it to a day the data covers, or null for the last one.'"
                ) }}
            when
                not exists (
                    select 1 from trading_days
                    where
                        trading_days.trading_date >= resolved.window_start_date
                        and trading_days.trading_date <= resolved.as_of_date
                )
                then {{ sql_error(
                    "'vars as_of_date and lookback_days: the window from '
                    || cast(resolved.window_start_date as string) || ' to '
                    || cast(resolved.as_of_date as string)
                    || ' holds no trading day; the data covers '
                    || cast(resolved.first_trading_date as string) || ' to '
                    || cast(resolved.last_trading_date as string) || '.'"
                ) }}
        end as window_error
    from resolved

),

final as (

    select
        as_of_date,
        window_start_date,
        lookback_days
    from checked
    -- window_error is null unless the check above stops the query
    where window_error is null

)

select * from final
