with

daily_balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

trading_days_in_window as (

    select distinct daily_balances.balance_date as trading_date
    from daily_balances
    inner join indicator_window
        on
            daily_balances.balance_date >= indicator_window.window_start_date
            and daily_balances.balance_date <= indicator_window.as_of_date

),

numbered as (

    select
        trading_date,
        row_number() over (order by trading_date) as trading_day_number,
        min(trading_date) over () as first_trading_date,
        max(trading_date) over () as last_trading_date
    from trading_days_in_window

),

final as (

    select
        trading_date,
        trading_day_number,
        first_trading_date,
        last_trading_date,
        trading_date = first_trading_date as is_first_trading_day,
        trading_date = last_trading_date as is_last_trading_day
    from numbered

)

select * from final
