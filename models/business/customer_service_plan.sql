-- One row per customer: the service standard of the customer's group in the scheme of var
-- service_plan_scheme (the thesis's, A), held to investor suitability (适当性; docs/domain.md,
-- "Service plans within the suitability rules"): an advisor may proactively recommend a
-- product of risk level Rn only to an investor rated Cn or above, so the highest level the
-- plan allows is the lower of the service's (service_standards.max_product_risk_level) and
-- the customer's rating (customers.risk_level, 1-5). A customer without a rating (null in
-- the export) is `unrated`: no product recommendation until assessed. A customer whose
-- average daily assets at this broker over the window (a lower bound of their financial
-- assets) and account age reach the professional investor thresholds (Art. 8; vars
-- professional_investor_min_assets_cny, professional_investor_min_account_years) is flagged
-- as a candidate for the broker's assessment, never reclassified here.
with

segments as (

    select * from {{ ref('customer_segments') }}

),

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

indicators as (

    select * from {{ ref('customer_indicators') }}

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
            as suitability_status,
        indicators.avg_daily_assets,
        indicators.account_age_years
    from segments
    inner join customers
        on segments.customer_id = customers.customer_id
    inner join indicators
        on segments.customer_id = indicators.customer_id
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
        end as max_recommended_product_risk_level,
        avg_daily_assets,
        account_age_years,
        coalesce(
            avg_daily_assets >= {{ var('professional_investor_min_assets_cny') }}
            and account_age_years >= {{ var('professional_investor_min_account_years') }},
            false
        ) as is_professional_candidate
    from plans

)

select * from final
