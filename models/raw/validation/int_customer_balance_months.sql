{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='balance_month',
        batch_size=month_batch_size(),
        begin='2000-01-01',
        partition_by=['balance_month'],
        replaces_whole_batches=true,
    )
}}
-- dbt microbatch (macros/incremental/microbatch.sql), a batch of per_day_batch_size but never
-- less than a month: a run rebuilds the batches its days fall in, each from all of its rows
-- (dbt filters the ref to the batch; a year a batch, as for a small export on Spark, where a
-- batch costs seconds whatever its rows, rebuilds the year). Per customer and month, the
-- balance rows that keep their own rules, whatever the customer's verdict: their count, sums,
-- first and last day and the assets of the first. Fifteen rows per customer where the per-day
-- table holds three hundred: int_customers_excluded_at_read finds here the customers of the
-- balance rows the customers' export does not keep, and int_customer_balances_aggregated sums
-- the window's whole months from here (the verdicts and the calendar applied where it reads).
with

-- the batch's months, every day of them (macros/incremental/microbatch.sql)
batch as (

    {{ batch_rows('int_daily_balances_validated', 'balance_date') }}

),

balance_rows as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'balance_date') }} as date) as balance_month,
        balance_date,
        cash_balance,
        market_value
    from batch
    where quarantine_reason is null

),

final as (

    select
        customer_id,
        balance_month,
        count(*) as balance_rows,
        cast(sum(cash_balance) as decimal(38, 2)) as cash_balance_sum,
        cast(sum(market_value) as decimal(38, 2)) as market_value_sum,
        min(balance_date) as first_balance_date,
        max(balance_date) as last_balance_date,
        -- the row of the month's first day (a customer-day has one kept row); min_by on both
        -- engines, a hash aggregate where a row_number would sort the month's rows
        cast(min_by(cash_balance + market_value, balance_date) as decimal(38, 2))
            as first_day_assets
    from balance_rows
    group by customer_id, balance_month

)

select * from final
