-- A stand-in for each balance row that was read but quarantined for its values (a value that
-- does not parse or is out of range, a missing or negative balance, two versions of the key)
-- on a trading day of a kept customer: the customer's last kept balance before that day.
-- The contract reads a missing row as zero assets; a row the export did send is no zero, and
-- reading it as one made one quarantined row on the as-of day an asset_growth outlier that
-- took a cluster of its own. int_daily_balances_cleaned adds these rows, marked by
-- carried_forward_from_date; a customer with no kept row before the day gets none (zero).
with

trading_days as (

    select * from {{ ref('int_balance_days') }}
    where is_trading_day

),

kept_customers as (

    select customer_id from {{ ref('int_customer_verdicts') }}
    where is_kept

),

-- the customer-days whose row a rule of its own quarantined (a value, a missing or negative
-- balance, two versions), where the key is sound: a trading day of a kept customer
unreadable_days as (

    select distinct
        customer_id,
        balance_date,
        loaded_through_date
    -- the validated rows are read here and in kept_balances, each with its own filter: one
    -- import CTE read twice is materialized by DuckDB, a copy of every balance row
    from {{ ref('int_daily_balances_validated') }}
    where
        quarantine_reason is not null
        and balance_date in (select trading_days.balance_date from trading_days)
        and customer_id in (select kept_customers.customer_id from kept_customers)

),

kept_balances as (

    select
        customer_id,
        balance_date,
        cash_balance,
        market_value
    from {{ ref('int_daily_balances_validated') }}
    where
        quarantine_reason is null
        and customer_id in (select unreadable_days.customer_id from unreadable_days)
        and balance_date in (select trading_days.balance_date from trading_days)

),

earlier_balances as (

    select
        unreadable_days.customer_id,
        unreadable_days.balance_date,
        unreadable_days.loaded_through_date,
        kept_balances.balance_date as carried_forward_from_date,
        kept_balances.cash_balance,
        kept_balances.market_value,
        row_number() over (
            partition by unreadable_days.customer_id, unreadable_days.balance_date
            order by kept_balances.balance_date desc
        ) as recency
    from unreadable_days
    inner join kept_balances
        on
            unreadable_days.customer_id = kept_balances.customer_id
            and unreadable_days.balance_date > kept_balances.balance_date

),

final as (

    select
        customer_id,
        balance_date,
        cash_balance,
        market_value,
        loaded_through_date,
        carried_forward_from_date
    from earlier_balances
    where recency = 1

)

select * from final
