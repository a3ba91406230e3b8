-- Every trading day of the data: the balance dates enough open accounts reported
-- (int_balance_days). The calendar of the whole history, which the per-day models are built
-- on; int_trading_calendar takes the indicator window's part of it.
with

balance_days as (

    select * from {{ ref('int_balance_days') }}

),

final as (

    select balance_date as trading_date
    from balance_days
    where is_trading_day

)

select * from final
