-- MetricFlow's time spine (dbt's `time_spine:`): one row per calendar day from the first
-- account opening through the export's last day, so every date a published model carries
-- (as_of_date, the migration dates) is on it.
with

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

bounds as (

    select
        min(customers.open_date) as first_day,
        any_value(export_last_day.last_balance_date) as last_day
    from customers
    cross join export_last_day

),

final as (

    select cast(days.date_day as date) as date_day
    from {{ days_from('bounds', 'bounds.first_day', 'bounds.last_day', 'date_day') }}

)

select * from final
