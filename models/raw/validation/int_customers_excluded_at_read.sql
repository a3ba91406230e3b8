-- Per per-day table, the customers of its rows whose rows a verdict taken where they are read
-- removes: a customer the latest customers' export does not keep (or does not hold), and for
-- the trades a kept customer with a trade dated before its open date or after its close date,
-- or a trade_id dated on two days (those customers' trade indicators are recomputed). Few
-- rows, from the customers of each table (one row per customer and month of the balances,
-- per customer and day of the trades), so the readers (the cleaned views, quarantined_rows)
-- test each per-day row against this small table instead of joining every row to every
-- customer. Whether a row is quarantined, and why, stays the readers' rule
-- (macros/raw_data/row_rules.sql).
with

customer_verdicts as (

    select * from {{ ref('int_customer_verdicts') }}

),

key_conflicts as (

    select * from {{ ref('int_trade_key_conflicts') }}

),

balance_customers as (

    select distinct customer_id
    from {{ ref('int_customer_balance_months') }}

),

trade_customers as (

    select
        customer_id,
        min(trade_date) as first_trade_date,
        max(trade_date) as last_trade_date
    from {{ ref('int_customer_trade_days') }}
    group by customer_id

),

-- the customers of a trade_id with versions on two days (int_trade_key_conflicts: few)
customers_of_key_conflicts as (

    select distinct customer_id
    from {{ ref('int_trades_validated') }}
    where
        trade_id in (select key_conflicts.trade_id from key_conflicts)

),

balances_excluded as (

    select
        'daily_balances' as table_name,
        balance_customers.customer_id,
        coalesce(customer_verdicts.is_kept, false) as is_kept,
        customer_verdicts.open_date,
        customer_verdicts.close_date
    from balance_customers
    left join customer_verdicts
        on balance_customers.customer_id = customer_verdicts.customer_id
    where customer_verdicts.customer_id is null or not customer_verdicts.is_kept

),

trades_excluded as (

    select
        'trades' as table_name,
        trade_customers.customer_id,
        coalesce(customer_verdicts.is_kept, false) as is_kept,
        customer_verdicts.open_date,
        customer_verdicts.close_date
    from trade_customers
    left join customer_verdicts
        on trade_customers.customer_id = customer_verdicts.customer_id
    where
        customer_verdicts.customer_id is null
        or not customer_verdicts.is_kept
        or trade_customers.first_trade_date < customer_verdicts.open_date
        or trade_customers.last_trade_date > customer_verdicts.close_date
        or trade_customers.customer_id in (
            select customers_of_key_conflicts.customer_id from customers_of_key_conflicts
        )

),

final as (

    select * from balances_excluded
    union all
    select * from trades_excluded

)

select * from final
