with

fund_transfers as (

    select * from {{ ref('stg_broker__fund_transfers') }}

),

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

-- customers read but quarantined: their rows say so, rather than unknown_customer
quarantined_customers as (

    select distinct customer_id from {{ ref('int_customers_validated') }}
    where quarantine_reason is not null and customer_id is not null

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

deduplicated as (

    {{ collapse_exact_duplicates('fund_transfers', 'fund_transfers') }}

),

checked as (

    select
        deduplicated.*,
        case
            when deduplicated.invalid_value is not null
                then {{ invalid_value_reason('deduplicated.invalid_value') }}
            when
                deduplicated.transfer_id is null
                or trim(deduplicated.transfer_id) = ''
                then 'missing_key'
            when deduplicated.key_versions > 1 then 'duplicate_key'
            when deduplicated.transfer_date is null then 'missing_date'
            when
                abs(deduplicated.amount) > {{ max_plausible_amount_cny() }}
                then 'out_of_range'
            when quarantined_customers.customer_id is not null then 'customer_quarantined'
            when customers.customer_id is null then 'unknown_customer'
            when
                deduplicated.direction is null or deduplicated.direction not in ('in', 'out')
                then 'invalid_direction'
            when deduplicated.amount is null or deduplicated.amount <= 0
                then 'non_positive_amount'
            when
                deduplicated.transfer_date > export_last_day.last_balance_date
                then 'after_data_end'
        end as quarantine_reason
    from deduplicated
    left join customers
        on deduplicated.customer_id = customers.customer_id
    left join quarantined_customers
        on deduplicated.customer_id = quarantined_customers.customer_id
    cross join export_last_day

),

-- the file name, where the quarantine needs it (source_file_id identifies every row's file)
final as (

    {{ name_source_files('checked', 'fund_transfers') }}

)

select * from final
