{#-
    The one place the indicator window is resolved from the vars: as_of_date (a 'YYYY-MM-DD'
    string, or null for the last trading day in the data) and lookback_days.
-#}
{%- set as_of_date = var('as_of_date') -%}
{%- if as_of_date is not none
    and not modules.re.match('^\d{4}-\d{2}-\d{2}$', as_of_date | string) -%}
    {{ exceptions.raise_compiler_error(
        "var as_of_date must be a date written 'YYYY-MM-DD' (or null for the last trading day "
        ~ "in the data), got '" ~ as_of_date ~ "'."
    ) }}
{%- endif -%}

with

daily_balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

last_trading_day as (

    select max(balance_date) as last_balance_date
    from daily_balances

),

window_end as (

    select
        {% if as_of_date is none -%}
            last_balance_date as as_of_date,
        {%- else -%}
            cast('{{ as_of_date }}' as date) as as_of_date,
        {%- endif %}
        cast({{ var('lookback_days') }} as {{ dbt.type_int() }}) as lookback_days
    from last_trading_day

),

final as (

    select
        as_of_date,
        -- W = (as_of_date - lookback_days, as_of_date]: its first day is the day after that.
        cast({{ dbt.dateadd('day', '1 - lookback_days', 'as_of_date') }} as date)
            as window_start_date,
        lookback_days
    from window_end

)

select * from final
