{{ config(post_hook="{{ warn_off_calendar_days() }}") }}
-- Every balance date with a readable row, and whether it is a trading day. The calendar is
-- not decided by any one row: a day is a trading day when at least min_trading_day_coverage
-- of the accounts open that day have a row on it that keeps the row rules (the contract: one
-- row per open account per trading day). A day below that (a stray row dated on a Sunday) is
-- no trading day: int_daily_balances_cleaned leaves its rows out, quarantined_rows holds them
-- as non_trading_day, and the build warns naming the day (warn_off_calendar_days). Judged
-- on every build, so a day that fills up in a later export becomes a trading day then.
with

validated_balances as (

    select * from {{ ref('int_daily_balances_validated') }}

),

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

balance_days as (

    -- such a row's key is unique, so its rows count the accounts that reported that day
    select
        balance_date,
        count(*) as reporting_accounts
    from validated_balances
    where quarantine_reason is null
    group by balance_date

),

openings as (

    select
        open_date,
        count(*) as opened_accounts
    from customers
    group by open_date

),

closings as (

    select
        close_date,
        count(*) as closed_accounts
    from customers
    where close_date is not null
    group by close_date

),

-- open on a day: opened on or before it, not closed before it (the close date is open)
opened_by_day as (

    select
        balance_days.balance_date,
        coalesce(sum(openings.opened_accounts), 0) as opened_accounts
    from balance_days
    left join openings
        on balance_days.balance_date >= openings.open_date
    group by balance_days.balance_date

),

closed_by_day as (

    select
        balance_days.balance_date,
        coalesce(sum(closings.closed_accounts), 0) as closed_accounts
    from balance_days
    left join closings
        on balance_days.balance_date > closings.close_date
    group by balance_days.balance_date

),

open_accounts as (

    select
        opened_by_day.balance_date,
        opened_by_day.opened_accounts - closed_by_day.closed_accounts as open_accounts
    from opened_by_day
    inner join closed_by_day
        on opened_by_day.balance_date = closed_by_day.balance_date

),

final as (

    select
        balance_days.balance_date,
        balance_days.reporting_accounts,
        cast(open_accounts.open_accounts as bigint) as open_accounts,
        balance_days.reporting_accounts
        >= {{ var('min_trading_day_coverage') }} * open_accounts.open_accounts as is_trading_day
    from balance_days
    inner join open_accounts
        on balance_days.balance_date = open_accounts.balance_date

)

select * from final
