-- One row per customer: the service standard of the customer's group in the scheme of var
-- service_plan_scheme (the thesis's, A), held to investor suitability (适当性; docs/domain.md,
-- "Service plans within the suitability rules"): an advisor may proactively recommend a
-- product of risk level Rn only to an investor rated Cn or above, so the highest level the
-- plan allows is the lower of the service's (service_standards.max_product_risk_level) and
-- the customer's rating (customers.risk_level, 1-5). A customer without a rating (null in
-- the export) is `unrated`: no product recommendation until assessed.
with

segments as (

    select * from {{ ref('customer_segments') }}

),

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

service_standards as (

    select * from {{ ref('service_standards') }}

),

plans as (

    select
        segments.customer_id,
        segments.as_of_date,
        segments.scheme,
        segments.segment_code,
        service_standards.service_level,
        service_standards.max_product_risk_level as service_max_product_risk_level,
        customers.risk_level,
        case when customers.risk_level is null then 'unrated' else 'rated' end
            as suitability_status
    from segments
    inner join customers
        on segments.customer_id = customers.customer_id
    left join service_standards
        on
            segments.scheme = service_standards.scheme
            and segments.segment_code = service_standards.segment_code
    where segments.scheme = '{{ var("service_plan_scheme") }}'

),

final as (

    select
        customer_id,
        as_of_date,
        scheme,
        segment_code,
        service_level,
        service_max_product_risk_level,
        risk_level,
        suitability_status,
        case
            -- least() would skip a null: a service that recommends nothing stays null
            when suitability_status = 'rated' and service_max_product_risk_level is not null
                then least(service_max_product_risk_level, risk_level)
        end as max_recommended_product_risk_level
    from plans

)

select * from final
