{#- Every indicator of docs/domain.md (macro indicator_columns) gets a mean and a median per
    group, as DOUBLE. -#}
{%- set indicators = indicator_columns() -%}

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

run_date as (

    select max(as_of_date) as as_of_date from indicators

),

segment_indicators as (

    select
        segments.scheme,
        segments.segment_code,
        indicators.*
    from segments
    left join indicators
        on segments.customer_id = indicators.customer_id

),

group_profiles as (

    select
        scheme,
        segment_code,
        {% for indicator in indicators %}
            avg(cast({{ indicator }} as double)) as {{ indicator }}_mean,
            median(cast({{ indicator }} as double)) as {{ indicator }}_median,
        {% endfor %}
        count(*) as customers,
        count(annual_turnover) as customers_with_annual_turnover
    from segment_indicators
    group by scheme, segment_code

),

-- Every catalogue group; an empty group has 0 customers and null statistics.
final as (

    select
        ----------  ids
        catalogue.scheme,
        catalogue.segment_code,
        catalogue.segment_name,
        catalogue.segment_name_zh,
        catalogue.sort_order,

        ----------  dates
        run_date.as_of_date,

        ----------  indicator means and medians (the contract puts customers before them)
        {% for indicator in indicators %}
            group_profiles.{{ indicator }}_mean,
            group_profiles.{{ indicator }}_median,
        {% endfor %}

        ----------  customers
        cast(coalesce(group_profiles.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(
            coalesce(group_profiles.customers_with_annual_turnover, 0) as {{ dbt.type_bigint() }}
        ) as customers_with_annual_turnover
    from catalogue
    cross join run_date
    left join group_profiles
        on
            catalogue.scheme = group_profiles.scheme
            and catalogue.segment_code = group_profiles.segment_code

)

select * from final
