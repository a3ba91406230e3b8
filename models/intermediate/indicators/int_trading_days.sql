-- Every trading day of the data: the distinct balance dates of the kept balance rows. The
-- calendar of the whole history, which the per-day models are built on; int_trading_calendar
-- takes the indicator window's part of it.
with

daily_balances as (

    select * from {{ ref('int_daily_balances_cleaned') }}

),

final as (

    select distinct balance_date as trading_date
    from daily_balances

)

select * from final
