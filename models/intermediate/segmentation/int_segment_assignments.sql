-- One row per customer per scheme: the segment, and how it was assigned (customer_segments
-- adds the history).
--   rule          closed accounts and the paper's outliers (segment_assignment_rules seed);
--   discriminant  open customers with a short history: the model's classification functions,
--                 as the paper places new customers;
--   kmeans        the fitting sample: the nearest cluster centre, K-means' own assignment.
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

current_models as (

    select * from {{ ref('int_segment_current_models') }}

),

centre_distances as (

    select * from {{ ref('int_segment_centre_distances') }}

),

discriminant_scores as (

    select * from {{ ref('int_segment_discriminant_scores') }}

),

model_scores as (

    select * from {{ ref('int_segment_model_scores') }}

),

assignment_rules as (

    select * from {{ ref('segment_assignment_rules') }}

),

catalogue as (

    select * from {{ ref('segment_catalogue') }}

),

customer_schemes as (

    select
        indicators.customer_id,
        current_models.scheme,
        current_models.model_id,
        indicators.as_of_date,
        case
            when indicators.is_closed then 'closed'
            else indicators.outlier_rule
        end as assignment_rule,
        case
            when indicators.is_closed or indicators.outlier_rule is not null then 'rule'
            when indicators.has_short_history then 'discriminant'
            else 'kmeans'
        end as assignment_method
    from indicators
    cross join current_models

),

nearest_centres as (

    select * from centre_distances
    where distance_rank = 1

),

classified as (

    select * from discriminant_scores
    where classification_rank = 1

),

assigned as (

    select
        customer_schemes.*,
        case customer_schemes.assignment_method
            when 'rule' then assignment_rules.segment_code
            when 'kmeans' then nearest_centres.segment_code
            when 'discriminant' then classified.segment_code
        end as segment_code
    from customer_schemes
    left join assignment_rules
        on
            customer_schemes.scheme = assignment_rules.scheme
            and customer_schemes.assignment_rule = assignment_rules.assignment_rule
    left join nearest_centres
        on
            customer_schemes.customer_id = nearest_centres.customer_id
            and customer_schemes.scheme = nearest_centres.scheme
    left join classified
        on
            customer_schemes.customer_id = classified.customer_id
            and customer_schemes.scheme = classified.scheme

),

-- Model-space coordinates as one map per customer and scheme ({'factor_1': ..} for scheme A,
-- the inputs' z-scores for scheme B).
score_maps as (

    select
        customer_id,
        scheme,
        map(
            list(model_variable order by model_variable),
            list(model_score order by model_variable)
        ) as factor_scores
    from model_scores
    group by customer_id, scheme

),

final as (

    select
        assigned.customer_id,
        assigned.scheme,
        assigned.as_of_date,
        assigned.model_id,
        assigned.segment_code,
        catalogue.segment_name,
        catalogue.segment_name_zh,
        assigned.assignment_method,
        assigned.assignment_rule,
        case
            when assigned.assignment_method != 'rule' then centre_distances.distance_to_centre
        end as distance_to_centre,
        case
            when assigned.assignment_method != 'rule' then score_maps.factor_scores
        end as factor_scores
    from assigned
    left join catalogue
        on
            assigned.scheme = catalogue.scheme
            and assigned.segment_code = catalogue.segment_code
    left join centre_distances
        on
            assigned.customer_id = centre_distances.customer_id
            and assigned.scheme = centre_distances.scheme
            and assigned.segment_code = centre_distances.segment_code
    left join score_maps
        on
            assigned.customer_id = score_maps.customer_id
            and assigned.scheme = score_maps.scheme

)

select * from final
