-- One row per customer_id read from the customers' export: whether the customer is kept (a
-- kept version exists) and the kept version's open and close dates. The customer rules of the
-- per-day rows (unknown_customer, customer_quarantined, before_open_date, after_close_date)
-- are judged against it where those rows are read, so they follow the latest export.
with

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

final as (

    select
        customer_id,
        {{ dbt.bool_or('quarantine_reason is null') }} as is_kept,
        min(case when quarantine_reason is null then open_date end) as open_date,
        min(case when quarantine_reason is null then close_date end) as close_date
    from validated_customers
    where customer_id is not null
    group by customer_id

)

select * from final
