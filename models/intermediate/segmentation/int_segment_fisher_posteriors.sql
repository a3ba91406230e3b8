-- Each customer's posterior probability of every group of the current model of each scheme
-- by Fisher's classification functions (the SPSS diagnostic, on the z-scores): the softmax of
-- the functions' scores, exp(score_g) / sum_h exp(score_h), exact under the LDA model (SPSS's
-- P(G=g | D=d)). Computed shifted by the best score, so no exp overflows.
with

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

fisher_functions as (

    select
        model_id,
        row_key as segment_code,
        column_key as term,
        value as coefficient
    from parameters
    where artifact = 'classification_function'

),

linear_parts as (

    select
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        fisher_functions.segment_code,
        sum(standardised.z_score * fisher_functions.coefficient) as linear_part
    from standardised
    inner join fisher_functions
        on
            standardised.model_id = fisher_functions.model_id
            and standardised.input_name = fisher_functions.term
    group by
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        fisher_functions.segment_code

),

scores as (

    select
        linear_parts.customer_id,
        linear_parts.scheme,
        linear_parts.model_id,
        linear_parts.segment_code,
        linear_parts.linear_part + constants.coefficient as fisher_score
    from linear_parts
    inner join fisher_functions as constants
        on
            linear_parts.model_id = constants.model_id
            and linear_parts.segment_code = constants.segment_code
            and constants.term = 'constant'

),

shifted as (

    select
        *,
        exp(
            fisher_score - max(fisher_score) over (partition by customer_id, scheme)
        ) as relative_likelihood
    from scores

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        segment_code,
        fisher_score,
        relative_likelihood
        / sum(relative_likelihood) over (partition by customer_id, scheme)
            as posterior_probability
    from shifted

)

select * from final
