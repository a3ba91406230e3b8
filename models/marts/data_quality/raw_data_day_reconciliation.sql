{{ config(post_hook="{{ warn_unloaded_days() }}") }}
-- The days of the per-day raw tables whose rows are not all loaded: per day, the rows the
-- export's files hold against the rows the microbatch model holds for it (copies included).
-- Empty when every day is loaded. A day listed here is a late file for a day already loaded,
-- or a day no run's --event-time-start/--event-time-end covered (a plain dbt build takes its
-- batches from the wall clock); the build warns with the days and the command that loads them,
-- and the test raw_days_loaded fails (raw_data_reconciliation fails with it).
with

balances_read as (

    select
        balance_date as event_date,
        count(*) as rows_read
    from {{ ref('stg_broker__daily_balances') }}
    where balance_date is not null
    group by balance_date

),

balances_loaded as (

    select
        balance_date as event_date,
        sum(row_copies) as rows_loaded
    from {{ ref('int_daily_balances_validated') }}
    group by balance_date

),

-- trades dated after the export's last day are int_trades_unbatched's, no day's
trades_read as (

    select
        trades.trade_date as event_date,
        count(*) as rows_read
    from {{ ref('stg_broker__trades') }} as trades
    cross join {{ ref('int_export_last_day') }} as export_last_day
    where trades.trade_date <= export_last_day.last_balance_date
    group by trades.trade_date

),

trades_loaded as (

    select
        trade_date as event_date,
        sum(row_copies) as rows_loaded
    from {{ ref('int_trades_validated') }}
    group by trade_date

),

final as (

    select
        'daily_balances' as table_name,
        coalesce(balances_read.event_date, balances_loaded.event_date) as event_date,
        cast(coalesce(balances_read.rows_read, 0) as bigint) as rows_read,
        cast(coalesce(balances_loaded.rows_loaded, 0) as bigint) as rows_loaded
    from balances_read
    full outer join balances_loaded
        on balances_read.event_date = balances_loaded.event_date
    where balances_read.rows_read is distinct from balances_loaded.rows_loaded

    union all

    select
        'trades' as table_name,
        coalesce(trades_read.event_date, trades_loaded.event_date) as event_date,
        cast(coalesce(trades_read.rows_read, 0) as bigint) as rows_read,
        cast(coalesce(trades_loaded.rows_loaded, 0) as bigint) as rows_loaded
    from trades_read
    full outer join trades_loaded
        on trades_read.event_date = trades_loaded.event_date
    where trades_read.rows_read is distinct from trades_loaded.rows_loaded

)

select * from final
