with

daily_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

deduplicated as (

    {{ collapse_exact_duplicates('daily_balances', 'daily_balances') }}

),

checked as (

    select
        deduplicated.*,
        case
            when deduplicated.customer_id is null or deduplicated.balance_date is null
                then 'missing_key'
            when deduplicated.key_versions > 1 then 'duplicate_key'
            when customers.customer_id is null then 'unknown_customer'
            when
                deduplicated.cash_balance < 0 or deduplicated.market_value < 0
                then 'negative_balance'
        end as quarantine_reason
    from deduplicated
    left join customers
        on deduplicated.customer_id = customers.customer_id

)

select * from checked
