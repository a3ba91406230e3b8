with

trading_days as (

    select * from {{ ref('int_trading_days') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

trading_days_in_window as (

    select trading_days.trading_date
    from trading_days
    inner join indicator_window
        on
            trading_days.trading_date >= indicator_window.window_start_date
            and trading_days.trading_date <= indicator_window.as_of_date

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
