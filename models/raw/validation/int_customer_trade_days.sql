{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='trade_date',
        batch_size=var('per_day_batch_size'),
        begin='2000-01-01',
        partition_by=['trade_date'],
    )
}}
-- dbt microbatch by trade_date, with int_trades_validated (macros/incremental/microbatch.sql):
-- a daily build adds the new days. Per customer, day and product: the trades that keep their
-- own rules, whatever the customer's verdict. The verdicts that change with other tables (the
-- customer kept, its open date, a trade_id with a version on another day) are taken by the
-- readers (int_customer_trades_aggregated), so a customer who arrives late or is mended heals
-- on the next build without reloading these days.
with

-- the batch's rows (macros/incremental/microbatch.sql)
trades as (

    {{ batch_rows('int_trades_validated', 'trade_date') }}

),

kept_by_own_rules as (

    select * from trades
    where quarantine_reason is null

),

final as (

    {{ trade_day_rows('kept_by_own_rules') }}

)

select * from final
