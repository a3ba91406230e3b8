{#- Money sums and ratios are double, like customer_contribution; service costs stay decimal. -#}
with

segments as (

    select * from {{ ref('customer_segments') }}

),

indicators as (

    select * from {{ ref('customer_indicators') }}

),

catalogue as (

    select * from {{ ref('segment_catalogue') }}

),

service_standards as (

    select * from {{ ref('service_standards') }}

),

run_date as (

    select max(as_of_date) as as_of_date from indicators

),

segment_customers as (

    select
        segments.scheme,
        segments.segment_code,
        indicators.customer_contribution
    from segments
    left join indicators
        on segments.customer_id = indicators.customer_id

),

group_totals as (

    select
        scheme,
        segment_code,
        count(*) as customers,
        sum(customer_contribution) as total_customer_contribution,
        median(customer_contribution) as median_customer_contribution
    from segment_customers
    group by scheme, segment_code

),

-- Every catalogue group, so an empty group still shows its standard (with 0 customers).
groups_with_standards as (

    select
        catalogue.scheme,
        catalogue.segment_code,
        catalogue.segment_name,
        catalogue.segment_name_zh,
        catalogue.sort_order,
        service_standards.service_level,
        service_standards.advisor_coverage,
        service_standards.contacts_per_year,
        service_standards.research_access,
        service_standards.commission_policy,
        service_standards.annual_service_cost_cny,
        coalesce(group_totals.customers, 0) as customers,
        coalesce(group_totals.total_customer_contribution, 0) as total_customer_contribution,
        group_totals.median_customer_contribution
    from catalogue
    left join service_standards
        on
            catalogue.scheme = service_standards.scheme
            and catalogue.segment_code = service_standards.segment_code
    left join group_totals
        on
            catalogue.scheme = group_totals.scheme
            and catalogue.segment_code = group_totals.segment_code

),

costs_and_shares as (

    select
        *,
        customers * annual_service_cost_cny as total_service_cost_cny,
        cast(customers as double)
        / nullif(sum(customers) over (partition by scheme), 0) as customer_share,
        total_customer_contribution
        / nullif(sum(total_customer_contribution) over (partition by scheme), 0)
            as contribution_share
    from groups_with_standards

),

final as (

    select
        ----------  ids
        costs_and_shares.scheme,
        costs_and_shares.segment_code,
        costs_and_shares.segment_name,
        costs_and_shares.segment_name_zh,
        costs_and_shares.sort_order,

        ----------  dates
        run_date.as_of_date,

        ----------  service standard
        costs_and_shares.service_level,
        costs_and_shares.advisor_coverage,
        costs_and_shares.contacts_per_year,
        costs_and_shares.research_access,
        costs_and_shares.commission_policy,
        costs_and_shares.annual_service_cost_cny,

        ----------  customers and value
        cast(costs_and_shares.customers as {{ dbt.type_bigint() }}) as customers,
        cast(costs_and_shares.total_customer_contribution as double)
            as total_customer_contribution,
        cast(costs_and_shares.median_customer_contribution as double)
            as median_customer_contribution,

        ----------  cost
        cast(costs_and_shares.total_service_cost_cny as decimal(38, 2)) as total_service_cost_cny,
        cast(costs_and_shares.total_service_cost_cny as double)
        / nullif(costs_and_shares.total_customer_contribution, 0) as cost_to_contribution_ratio,

        ----------  shares within the scheme
        coalesce(costs_and_shares.customer_share, 0) as customer_share,
        costs_and_shares.contribution_share
    from costs_and_shares
    cross join run_date

)

select * from final
