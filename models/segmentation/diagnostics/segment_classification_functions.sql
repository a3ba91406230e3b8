-- Classification functions per group: Fisher's linear classification function coefficients
-- (分类函数系数, SPSS's table: a coefficient per input's z-score and a constant with the log
-- prior), and beside them the assignment functions that place new customers (the
-- nearest-centre rule as linear functions of the model variables, which agree with K-means).
-- With twins (docs/domain.md), the functions that place new customers are the twin functions:
-- Fisher's functions fitted on the established customers' twins (a coefficient per twin
-- input's z-score and a constant with the log prior). A customer belongs to the group whose
-- function is highest.
with

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

fisher_functions as (

    {{ artifact_table('classification_function') }}

),

assignment_functions as (

    {{ artifact_table('assignment_function') }}

),

twin_functions as (

    {{ artifact_table('twin_function') }}

),

functions as (

    select
        model_id,
        scheme,
        as_of_date,
        'fisher' as function_set,
        segment_code,
        term,
        coefficient
    from fisher_functions
    union all
    select
        model_id,
        scheme,
        as_of_date,
        'nearest_centre' as function_set,
        segment_code,
        term,
        coefficient
    from assignment_functions
    union all
    select
        model_id,
        scheme,
        as_of_date,
        'twins' as function_set,
        segment_code,
        term,
        coefficient
    from twin_functions

),

final as (

    select
        functions.model_id,
        functions.scheme,
        functions.as_of_date,
        functions.function_set,
        case when functions.function_set = 'fisher' then model_runs.priors end as priors,
        functions.segment_code,
        functions.term,
        functions.coefficient
    from functions
    left join model_runs
        on functions.model_id = model_runs.model_id

)

select * from final
