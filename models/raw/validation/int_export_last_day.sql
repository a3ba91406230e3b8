-- The last day of the export: the latest balance date. A trade, transfer or account opening
-- dated after it is "in the future" of the data and breaks the contract.
with

daily_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

final as (

    select max(balance_date) as last_balance_date
    from daily_balances

)

select * from final
