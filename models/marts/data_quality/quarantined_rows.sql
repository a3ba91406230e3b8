with

customers as (

    select * from {{ ref('int_customers_validated') }}

),

trades as (

    select * from {{ ref('int_trades_validated') }}

),

daily_balances as (

    select * from {{ ref('int_daily_balances_validated') }}

),

fund_transfers as (

    select * from {{ ref('int_fund_transfers_validated') }}

),

unioned as (

    {{ quarantine_records('customers', 'customers') }}
    union all
    {{ quarantine_records('trades', 'trades') }}
    union all
    {{ quarantine_records('daily_balances', 'daily_balances') }}
    union all
    {{ quarantine_records('fund_transfers', 'fund_transfers') }}

)

select * from unioned
