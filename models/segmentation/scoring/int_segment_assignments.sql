-- One row per customer per scheme: the segment, and how it was assigned (customer_segments
-- adds the history), from the customer's one row of int_segment_scores.
--   rule          closed accounts and the paper's outliers (segment_assignment_rules seed);
--   discriminant  open customers with a short history: classification functions, as the
--                 paper places new customers: the twin functions when the model has them
--                 (int_segment_twin_placements, var new_customer_placement), else the
--                 model's classification functions;
--   kmeans        the fitting sample: the nearest cluster centre, K-means' own assignment.
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

current_models as (

    select * from {{ ref('int_segment_current_models') }}

),

scores as (

    select * from {{ ref('int_segment_scores') }}

),

twin_placements as (

    select * from {{ ref('int_segment_twin_placements') }}

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

-- The rule that places a model-scored customer (int_segment_placement_functions names the
-- same three): K-means' nearest centre, the twin functions where they placed a new customer,
-- else the model's classification functions.
placements as (

    select
        customer_schemes.*,
        case customer_schemes.assignment_method
            when 'kmeans' then 'nearest_centre'
            when 'discriminant'
                then
                    case
                        when twin_placements.segment_code is not null then 'twin'
                        else 'classification'
                    end
        end as placement_rule,
        assignment_rules.segment_code as rule_segment_code,
        twin_placements.segment_code as twin_segment_code,
        twin_placements.distance_to_centre as twin_distance_to_centre,
        scores.nearest_segment_code,
        scores.nearest_distance_to_centre,
        scores.classified_segment_code,
        scores.classified_distance_to_centre,
        scores.factor_scores
    from customer_schemes
    left join assignment_rules
        on
            customer_schemes.scheme = assignment_rules.scheme
            and customer_schemes.assignment_rule = assignment_rules.assignment_rule
    left join scores
        on
            customer_schemes.customer_id = scores.customer_id
            and customer_schemes.scheme = scores.scheme
    left join twin_placements
        on
            customer_schemes.customer_id = twin_placements.customer_id
            and customer_schemes.scheme = twin_placements.scheme

),

assigned as (

    select
        customer_id,
        scheme,
        model_id,
        as_of_date,
        assignment_rule,
        assignment_method,
        placement_rule,
        case placement_rule
            when 'nearest_centre' then nearest_segment_code
            when 'twin' then twin_segment_code
            when 'classification' then classified_segment_code
            else rule_segment_code
        end as segment_code,
        case placement_rule
            when 'nearest_centre' then nearest_distance_to_centre
            when 'twin' then twin_distance_to_centre
            when 'classification' then classified_distance_to_centre
        end as distance_to_centre,
        case when placement_rule is not null then factor_scores end as factor_scores
    from placements

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
        assigned.placement_rule,
        assigned.distance_to_centre,
        assigned.factor_scores
    from assigned
    left join catalogue
        on
            assigned.scheme = catalogue.scheme
            and assigned.segment_code = catalogue.segment_code

)

select * from final
